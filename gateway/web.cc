#include "gateway/web.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gateway/web_files.h"
#include "node/records/capabilities.h"
#include "node/records/iso_codes.h"
#include "node/records/taxonomy.h"

namespace civhub::gateway {
namespace {

// Only the hub itself, plus map tiles from OpenStreetMap as images. Leaflet
// positions its panes through the CSSOM, which style-src does not restrict.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://tile.openstreetmap.org; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

struct Asset {
  std::string body;
  std::string content_type;
  std::string etag;
};

using AssetMap = std::map<std::string, Asset, std::less<>>;

void AddSecurityHeaders(http::Response* response) {
  response->headers.emplace_back("x-content-type-options", "nosniff");
  response->headers.emplace_back("referrer-policy", "no-referrer");
}

// Long-lived: the page names every asset with ?v=<hash of all assets>, so a
// new build is a new URL; the ETag still answers revalidations with 304.
http::Handler ServeAssets(std::shared_ptr<const AssetMap> assets) {
  return [assets](std::shared_ptr<const http::Request> request,
                  http::Reply reply) {
    const std::string& name =
        request->path_params.empty() ? "" : request->path_params.back();
    auto it = assets->find(name);
    if (it == assets->end()) {
      reply(http::JsonError(404, "NOT_FOUND",
                            absl::StrCat("no file \"", name, "\"")));
      return;
    }
    http::Response response;
    response.content_type = it->second.content_type;
    response.body = it->second.body;
    response.etag = it->second.etag;
    // The page names its files with ?v=<build>: those may be kept a year.
    // Asked for without it (options.json, Leaflet, a partner's link), a
    // file may change with the hub's next version: revalidated each time
    // (a 304 on the ETag).
    response.headers.emplace_back("cache-control",
                                  request->Param("v") != nullptr
                                      ? "public, max-age=31536000, immutable"
                                      : "no-cache");
    AddSecurityHeaders(&response);
    reply(std::move(response));
  };
}

std::string JsonList(const std::vector<absl::string_view>& codes) {
  std::string out = "[";
  for (size_t i = 0; i < codes.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", http::JsonQuote(codes[i]));
  }
  return out + "]";
}

std::string JsonTerms(absl::Span<const node::TaxonomyTerm> terms) {
  std::string out = "[";
  for (size_t i = 0; i < terms.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "",
                    "{\"code\":", http::JsonQuote(terms[i].code),
                    ",\"name\":", http::JsonQuote(terms[i].name), "}");
  }
  return out + "]";
}

// The capabilities, each with its group's code ("" for a group).
std::string JsonCapabilities() {
  std::string out = "[";
  bool first = true;
  for (const node::Capability& c : node::Capabilities()) {
    absl::StrAppend(
        &out, first ? "" : ",", "{\"code\":", http::JsonQuote(c.code),
        ",\"name\":", http::JsonQuote(c.name),
        ",\"group\":", http::JsonQuote(c.group == nullptr ? "" : c.group), "}");
    first = false;
  }
  return out + "]";
}

// The filters' option lists, from the same tables the hub validates with.
std::string OptionsJson() {
  std::string countries = "[";
  std::vector<absl::string_view> codes = node::CountryCodes();
  for (size_t i = 0; i < codes.size(); ++i) {
    absl::StrAppend(
        &countries, i ? "," : "", "{\"code\":", http::JsonQuote(codes[i]),
        ",\"name\":", http::JsonQuote(node::CountryName(codes[i]).value_or("")),
        "}");
  }
  countries += "]";
  std::string languages = "[";
  codes = node::LanguageCodes();
  for (size_t i = 0; i < codes.size(); ++i) {
    absl::StrAppend(&languages, i ? "," : "",
                    "{\"code\":", http::JsonQuote(codes[i]), ",\"name\":",
                    http::JsonQuote(node::LanguageName(codes[i]).value_or("")),
                    "}");
  }
  languages += "]";
  return absl::StrCat(
      "{\"countries\":", countries,
      ",\"regions\":", JsonList(node::RegionCodes()),
      ",\"languages\":", languages, ",\"topics\":", JsonTerms(node::Topics()),
      ",\"organizationTypes\":", JsonTerms(node::OrganizationTypes()),
      ",\"capabilities\":", JsonCapabilities(), "}");
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

// The Leaflet files the page uses, read once; none when not installed.
AssetMap LoadLeaflet(const std::string& dir) {
  AssetMap out;
  if (dir.empty()) return out;
  const std::pair<const char*, const char*> kFiles[] = {
      {"leaflet.js", "text/javascript; charset=utf-8"},
      {"leaflet.css", "text/css; charset=utf-8"},
      {"images/marker-icon.png", "image/png"},
      {"images/marker-icon-2x.png", "image/png"},
      {"images/marker-shadow.png", "image/png"},
      {"images/layers.png", "image/png"},
      {"images/layers-2x.png", "image/png"},
  };
  for (const auto& [name, type] : kFiles) {
    Asset asset;
    if (!ReadFile(absl::StrCat(dir, "/", name), &asset.body)) continue;
    asset.content_type = type;
    asset.etag = absl::StrCat(
        "\"", std::hash<std::string>()(asset.body) % 0xffffffffffffULL, "\"");
    out.emplace(name, std::move(asset));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& WebLanguages() {
  static const auto* languages =
      new std::vector<std::string>{"en", "es", "fr", "ar", "sw"};
  return *languages;
}

std::string PickWebLanguage(const http::Request& request) {
  auto supported = [](absl::string_view tag) -> std::string {
    std::string primary = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(tag.substr(0, tag.find_first_of("-_"))));
    for (const std::string& l : WebLanguages()) {
      if (l == primary) return l;
    }
    return "";
  };
  if (const std::string* hl = request.Param("hl")) {
    std::string l = supported(*hl);
    if (!l.empty()) return l;
  }
  const std::string* accept = request.Header("accept-language");
  if (accept == nullptr) return WebLanguages().front();
  // (q, position, tag), best first.
  std::vector<std::tuple<double, int, std::string>> ranges;
  int position = 0;
  for (absl::string_view item : absl::StrSplit(*accept, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    double q = 1;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view p = absl::StripAsciiWhitespace(parts[i]);
      if (absl::StartsWith(p, "q=")) {
        q = std::strtod(std::string(p.substr(2)).c_str(), nullptr);
      }
    }
    ranges.emplace_back(-q, position++, supported(parts[0]));
  }
  std::sort(ranges.begin(), ranges.end());
  for (const auto& [q, pos, tag] : ranges) {
    if (q < 0 && !tag.empty()) return tag;
  }
  return WebLanguages().front();
}

void AddWebRoutes(const WebOptions& options, http::Router* router) {
  auto assets = std::make_shared<AssetMap>();
  std::string page;
  std::string version_input;
  for (const WebFile& file : WebFiles()) {
    absl::string_view name = file.path;
    if (name == "index.html") {
      page.assign(file.data, file.size);
      continue;
    }
    assets->emplace(std::string(name), Asset{std::string(file.data, file.size),
                                             file.content_type, file.etag});
    absl::StrAppend(&version_input, file.etag);
  }
  std::string options_json = OptionsJson();
  absl::StrAppend(&version_input, options_json);
  assets->emplace("options.json",
                  Asset{options_json, "application/json",
                        absl::StrCat("\"",
                                     std::hash<std::string>()(options_json) %
                                         0xffffffffffffULL,
                                     "\"")});
  std::string version =
      absl::StrCat(std::hash<std::string>()(version_input) % 0xffffffffffffULL);
  page = absl::StrReplaceAll(page, {{"{{V}}", version}});

  auto serve_page = [page](std::shared_ptr<const http::Request> request,
                           http::Reply reply) {
    std::string lang = PickWebLanguage(*request);
    http::Response response;
    response.content_type = "text/html; charset=utf-8";
    response.body = absl::StrReplaceAll(
        page, {{"{{LANG}}", lang}, {"{{DIR}}", lang == "ar" ? "rtl" : "ltr"}});
    response.headers.emplace_back("cache-control", "no-cache");
    response.headers.emplace_back("vary", "accept-language");
    response.headers.emplace_back("content-security-policy",
                                  kContentSecurityPolicy);
    AddSecurityHeaders(&response);
    reply(std::move(response));
  };
  router->Add("GET", "/", serve_page);
  router->Add("GET", "/record/{origin}/{record_id}", serve_page);
  router->Add("GET", "/static/leaflet/*",
              ServeAssets(std::make_shared<const AssetMap>(
                  LoadLeaflet(options.leaflet_dir))));
  router->Add("GET", "/static/*", ServeAssets(assets));
}

}  // namespace civhub::gateway
