#include "bench/generator.h"

#include <atomic>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"

namespace civhub::bench {
namespace {

struct Place {
  const char* country;
  const char* region;
  const char* city;
  double lat, lon;
  const char* lang;  // Main language of names and descriptions.
};

constexpr Place kPlaces[] = {
    {"KE", "KE-30", "Nairobi", -1.2864, 36.8172, "sw"},
    {"KE", "KE-01", "Mombasa", -4.0435, 39.6682, "sw"},
    {"TZ", "TZ-02", "Dar es Salaam", -6.7924, 39.2083, "sw"},
    {"CL", "CL-RM", "Santiago", -33.4489, -70.6693, "es"},
    {"PE", "PE-LMA", "Lima", -12.0464, -77.0428, "es"},
    {"MX", "MX-CMX", "Ciudad de México", 19.4326, -99.1332, "es"},
    {"BR", "BR-SP", "São Paulo", -23.5505, -46.6333, "pt"},
    {"PH", "PH-00", "Manila", 14.5995, 120.9842, "tl"},
    {"BF", "BF-KAD", "Ouagadougou", 12.3714, -1.5197, "fr"},
    {"SN", "SN-DK", "Dakar", 14.7167, -17.4677, "fr"},
    {"BD", "BD-13", "Dhaka", 23.8103, 90.4125, "bn"},
    {"IN", "IN-MH", "Mumbai", 19.0760, 72.8777, "hi"},
    {"JO", "JO-AM", "Amman", 31.9539, 35.9106, "ar"},
    {"UA", "UA-30", "Kyiv", 50.4501, 30.5234, "uk"},
    {"ID", "ID-JK", "Jakarta", -6.2088, 106.8456, "id"},
    {"GB", "GB-LND", "London", 51.5074, -0.1278, "en"},
};

struct Words {
  const char* lang;
  const char* kinds[4];  // "Association", "Network"...
  const char* themes[6];
  const char* sentence;  // Description template start.
};

constexpr Words kWords[] = {
    {"en",
     {"Association", "Network", "Foundation", "Collective"},
     {"Clean Water", "Women's Rights", "Digital Freedom", "Disaster Relief",
      "Youth Education", "Fair Trade"},
     "Community organization working on"},
    {"es",
     {"Asociación", "Red", "Fundación", "Colectivo"},
     {"Agua Limpia", "Derechos de la Mujer", "Libertad Digital",
      "Ayuda en Desastres", "Educación Juvenil", "Comercio Justo"},
     "Organización comunitaria que trabaja en"},
    {"pt",
     {"Associação", "Rede", "Fundação", "Coletivo"},
     {"Água Limpa", "Direitos das Mulheres", "Liberdade Digital",
      "Socorro em Desastres", "Educação Juvenil", "Comércio Justo"},
     "Organização comunitária que trabalha em"},
    {"fr",
     {"Association", "Réseau", "Fondation", "Collectif"},
     {"Eau Potable", "Droits des Femmes", "Liberté Numérique",
      "Secours aux Sinistrés", "Éducation des Jeunes", "Commerce Équitable"},
     "Organisation communautaire qui travaille sur"},
    {"sw",
     {"Chama", "Mtandao", "Wakfu", "Umoja"},
     {"Maji Safi", "Haki za Wanawake", "Uhuru wa Kidijitali", "Msaada wa Maafa",
      "Elimu ya Vijana", "Biashara ya Haki"},
     "Shirika la kijamii linalofanya kazi kuhusu"},
    {"tl",
     {"Samahan", "Network", "Pundasyon", "Kolektibo"},
     {"Malinis na Tubig", "Karapatan ng Kababaihan", "Kalayaang Digital",
      "Tulong sa Sakuna", "Edukasyon ng Kabataan", "Patas na Kalakalan"},
     "Organisasyong pangkomunidad para sa"},
    {"bn",
     {"সমিতি", "নেটওয়ার্ক", "ফাউন্ডেশন", "সংঘ"},
     {"বিশুদ্ধ পানি", "নারী অধিকার", "ডিজিটাল স্বাধীনতা", "দুর্যোগ ত্রাণ", "যুব শিক্ষা",
      "ন্যায্য বাণিজ্য"},
     "সম্প্রদায় সংগঠন যা কাজ করে"},
    {"hi",
     {"संघ", "नेटवर्क", "फाउंडेशन", "समूह"},
     {"स्वच्छ जल", "महिला अधिकार", "डिजिटल स्वतंत्रता", "आपदा राहत", "युवा शिक्षा",
      "निष्पक्ष व्यापार"},
     "सामुदायिक संगठन जो काम करता है"},
    {"ar",
     {"جمعية", "شبكة", "مؤسسة", "تجمع"},
     {"المياه النظيفة", "حقوق المرأة", "الحرية الرقمية", "الإغاثة",
      "تعليم الشباب", "التجارة العادلة"},
     "منظمة مجتمعية تعمل في"},
    {"uk",
     {"Асоціація", "Мережа", "Фонд", "Колектив"},
     {"Чиста вода", "Права жінок", "Цифрова свобода",
      "Допомога при катастрофах", "Освіта молоді", "Чесна торгівля"},
     "Громадська організація, що працює у сфері"},
    {"id",
     {"Perkumpulan", "Jaringan", "Yayasan", "Kolektif"},
     {"Air Bersih", "Hak Perempuan", "Kebebasan Digital", "Bantuan Bencana",
      "Pendidikan Pemuda", "Perdagangan Adil"},
     "Organisasi masyarakat yang bekerja di bidang"},
};

constexpr const char* kThemeTopics[6][2] = {
    {"water-sanitation", "health"},
    {"womens-issues", "human-rights"},
    {"digital-freedom", "civic-tech"},
    {"disaster-response", "climate"},
    {"education", "youth"},
    {"economic-opportunity", "agriculture"},
};
constexpr const char* kTypes[] = {"ngo",
                                  "cso",
                                  "charity",
                                  "community-group",
                                  "cooperative",
                                  "advocacy-group",
                                  "womens-organization",
                                  "network"};

const Words& WordsFor(const char* lang) {
  for (const Words& w : kWords) {
    if (std::string(w.lang) == lang) return w;
  }
  return kWords[0];
}

}  // namespace

v1::Organization Generator::Organization(uint64_t index) {
  auto pick = [this](size_t n) { return static_cast<size_t>(rng_() % n); };
  const Place& place = kPlaces[pick(std::size(kPlaces))];
  const Words& local = WordsFor(place.lang);
  const Words& english = kWords[0];
  const size_t kind = pick(4), theme = pick(6);
  v1::Organization org;
  auto* name = org.add_names();
  name->set_lang(place.lang);
  name->set_text(absl::StrCat(local.kinds[kind], " ", local.themes[theme], " ",
                              place.city, " ", index % 1000));
  auto* desc = org.add_descriptions();
  desc->set_lang(place.lang);
  desc->set_text(absl::StrCat(local.sentence, " ", local.themes[theme], ", ",
                              place.city, "."));
  if (std::string(place.lang) != "en") {
    auto* en = org.add_descriptions();
    en->set_lang("en");
    en->set_text(absl::StrCat(english.sentence, " ", english.themes[theme],
                              " in ", place.city, "."));
  }
  org.add_types(kTypes[pick(std::size(kTypes))]);
  org.add_topics(kThemeTopics[theme][0]);
  if (pick(2) == 0) org.add_topics(kThemeTopics[theme][1]);
  auto* loc = org.add_locations();
  loc->set_country(place.country);
  loc->set_region(place.region);
  loc->set_city(place.city);
  // Within about 30 km of the city centre.
  loc->set_latitude(place.lat +
                    (static_cast<double>(pick(6000)) - 3000) / 10000.0);
  loc->set_longitude(place.lon +
                     (static_cast<double>(pick(6000)) - 3000) / 10000.0);
  org.add_languages(place.lang);
  if (pick(3) == 0) {
    auto* id = org.add_identifiers();
    id->set_scheme(absl::StrCat(place.country, "-REG"));
    id->set_identifier(absl::StrCat(100000 + index));
  }
  return org;
}

v1::RecordBody Generator::OrganizationBody(const crypto::PublicKey& origin,
                                           uint64_t index) {
  v1::RecordBody body;
  body.set_origin(origin.bytes());
  body.set_record_id(absl::StrCat("org-", index));
  body.set_version(1);
  body.set_sequence(index + 1);
  body.mutable_issued_at()->set_seconds(1780000000 +
                                        static_cast<int64_t>(index % 10000000));
  *body.mutable_organization() = Organization(index);
  return body;
}

std::vector<std::string> Generator::Bodies(const crypto::PublicKey& origin,
                                           size_t count) {
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    out.push_back(OrganizationBody(origin, i).SerializeAsString());
  }
  return out;
}

std::vector<crypto::VerifiedRecord> SignAll(
    const std::vector<std::pair<const crypto::PrivateKey*, std::string>>&
        bodies) {
  std::vector<std::optional<crypto::VerifiedRecord>> made(bodies.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < bodies.size(); i = next++) {
        v1::RecordBody body;
        body.ParseFromString(bodies[i].second);
        made[i] = crypto::VerifiedRecord{
            bodies[i].first->public_key(), std::move(body),
            *crypto::SignRecord(*bodies[i].first, bodies[i].second)};
      }
    });
  }
  for (std::thread& w : workers) w.join();
  std::vector<crypto::VerifiedRecord> out;
  out.reserve(made.size());
  for (auto& r : made) out.push_back(*std::move(r));
  return out;
}

}  // namespace civhub::bench
