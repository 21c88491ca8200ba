#include "crypto/keys.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cstring>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "crypto/bech32.h"
#include "crypto/internal/openssl_util.h"

namespace civhub::crypto {
namespace {

constexpr char kHubIdHrp[] = "civhub";

// p = 2^255 - 19 and the Edwards curve constant d = -121665/121666 mod p.
constexpr char kFieldPrime[] =
    "57896044618658097711785492504343953926634992332820282019728792003956564819"
    "949";
constexpr char kCurveD[] =
    "37095705934669439343138083508754565189542113879843219016388785533085940283"
    "555";
// y-coordinate of the order-8 points; the others have y = p - this.
constexpr char kOrder8Y[] =
    "27073855011448406493182252872256587889368042675753135194637436097503034020"
    "22";

// Checks that `raw` is the canonical encoding of a point on edwards25519 that
// is not of small order. OpenSSL accepts any 32 bytes as a public key, so
// this has to happen here.
absl::Status CheckEdwardsPoint(absl::string_view raw) {
  unsigned char y_le[32];
  std::memcpy(y_le, raw.data(), 32);
  const bool x_sign = (y_le[31] & 0x80) != 0;
  y_le[31] &= 0x7f;

  internal::BnCtxPtr ctx(BN_CTX_new());
  internal::BignumPtr p(nullptr), d(nullptr), y(BN_lebin2bn(y_le, 32, nullptr));
  BIGNUM* tmp = nullptr;
  BN_dec2bn(&tmp, kFieldPrime);
  p.reset(tmp);
  tmp = nullptr;
  BN_dec2bn(&tmp, kCurveD);
  d.reset(tmp);
  tmp = nullptr;
  BN_dec2bn(&tmp, kOrder8Y);
  internal::BignumPtr y8(tmp);
  if (!ctx || !p || !d || !y || !y8) {
    return absl::InternalError("out of memory checking a public key");
  }
  if (BN_cmp(y.get(), p.get()) >= 0) {
    return absl::InvalidArgumentError("is not a canonical point encoding");
  }

  // Small-order points have y in {0, 1, -1, y8, -y8}.
  internal::BignumPtr scratch(BN_new());
  BN_sub(scratch.get(), p.get(), BN_value_one());  // -1
  internal::BignumPtr neg_y8(BN_new());
  BN_sub(neg_y8.get(), p.get(), y8.get());
  if (BN_is_zero(y.get()) || BN_is_one(y.get()) ||
      BN_cmp(y.get(), scratch.get()) == 0 || BN_cmp(y.get(), y8.get()) == 0 ||
      BN_cmp(y.get(), neg_y8.get()) == 0) {
    return absl::InvalidArgumentError(
        "is a small-order point (a weak key that allows forgeries)");
  }

  // x^2 = (y^2 - 1) / (d y^2 + 1) must have a square root mod p.
  internal::BignumPtr y2(BN_new()), u(BN_new()), v(BN_new()), w(BN_new()),
      e(BN_new());
  bool ok = BN_mod_sqr(y2.get(), y.get(), p.get(), ctx.get()) &&
            BN_mod_sub(u.get(), y2.get(), BN_value_one(), p.get(), ctx.get()) &&
            BN_mod_mul(v.get(), d.get(), y2.get(), p.get(), ctx.get()) &&
            BN_mod_add(v.get(), v.get(), BN_value_one(), p.get(), ctx.get()) &&
            BN_mod_inverse(w.get(), v.get(), p.get(), ctx.get()) != nullptr &&
            BN_mod_mul(w.get(), w.get(), u.get(), p.get(), ctx.get()) &&
            BN_rshift1(e.get(), scratch.get()) &&  // (p - 1) / 2
            BN_mod_exp(e.get(), w.get(), e.get(), p.get(), ctx.get());
  if (!ok) return absl::InternalError("bignum failure checking a public key");
  if (BN_is_zero(w.get())) {
    if (x_sign) return absl::InvalidArgumentError("is not canonical (-0)");
    return absl::OkStatus();
  }
  if (!BN_is_one(e.get())) {
    return absl::InvalidArgumentError("is not a point on the curve");
  }
  return absl::OkStatus();
}

std::shared_ptr<EVP_PKEY> WrapPkey(EVP_PKEY* pkey) {
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

std::string Prefixed(SigningDomain domain, absl::string_view message) {
  absl::string_view prefix = DomainPrefix(domain);
  std::string out;
  out.reserve(prefix.size() + message.size());
  out.append(prefix.data(), prefix.size());
  out.append(message.data(), message.size());
  return out;
}

// A thread's context for the key it last signed or verified with. OpenSSL
// 3's EVP_DigestSignInit and EVP_DigestVerifyInit fetch Ed25519 from the
// provider and set up a context each time, about a tenth of a signature in
// a profile of civhubd's import; Ed25519's one-shot EVP_DigestSign and
// EVP_DigestVerify leave the context ready for the next message (`openssl
// speed` signs that way). The context holds a reference to its key, so the
// key's address cannot come back as another key's while it is cached.
class CachedContext {
 public:
  using Init = int (*)(EVP_MD_CTX*, EVP_PKEY_CTX**, const EVP_MD*, ENGINE*,
                       EVP_PKEY*);
  // The context for `key`, initialized by `init`; nullptr if OpenSSL fails.
  EVP_MD_CTX* For(const std::shared_ptr<EVP_PKEY>& key, Init init) {
    if (key_ == key && ctx_ != nullptr) return ctx_.get();
    Drop();
    internal::MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || init(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
      return nullptr;
    }
    ctx_ = std::move(ctx);
    key_ = key;
    return ctx_.get();
  }
  // After a failure: the next call starts afresh.
  void Drop() {
    ctx_.reset();
    key_.reset();
  }

 private:
  std::shared_ptr<EVP_PKEY> key_;
  internal::MdCtxPtr ctx_;
};

CachedContext& SignContext() {
  thread_local CachedContext context;
  return context;
}

CachedContext& VerifyContext() {
  thread_local CachedContext context;
  return context;
}

bool VerifyRaw(const std::shared_ptr<EVP_PKEY>& pkey, absl::string_view message,
               absl::string_view signature) {
  if (signature.size() != kSignatureSize) return false;
  CachedContext& cached = VerifyContext();
  EVP_MD_CTX* ctx = cached.For(pkey, EVP_DigestVerifyInit);
  if (ctx == nullptr) {
    ERR_clear_error();
    return false;
  }
  int rc = EVP_DigestVerify(
      ctx, reinterpret_cast<const unsigned char*>(signature.data()),
      signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  // A bad signature leaves the context as it was; an error other than a
  // mismatch (rc < 0) might not.
  if (rc < 0) cached.Drop();
  ERR_clear_error();
  return rc == 1;
}

std::string Base32(const unsigned char* data, size_t len) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    acc = (acc << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(acc >> bits) & 31]);
    }
  }
  return out;
}

}  // namespace

absl::string_view DomainPrefix(SigningDomain domain) {
  switch (domain) {
    case SigningDomain::kRecord:
      return absl::string_view("civhub.record.v1\0", 17);
    case SigningDomain::kLinkRequest:
      return absl::string_view("civhub.link-request.v1\0", 23);
    case SigningDomain::kLink:
      return absl::string_view("civhub.link.v1\0", 15);
  }
  return {};
}

absl::StatusOr<PublicKey> PublicKey::FromBytes(absl::string_view raw) {
  if (raw.size() != kPublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("public key must be 32 bytes, got ", raw.size()));
  }
  if (absl::Status s = CheckEdwardsPoint(raw); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("public key ", s.message()));
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (pkey == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInvalidArgument,
                                  "public key rejected");
  }
  return PublicKey(std::string(raw), WrapPkey(pkey));
}

absl::StatusOr<PublicKey> PublicKey::FromBytesCached(absl::string_view raw) {
  constexpr size_t kMaxCachedKeys = 4096;
  static absl::Mutex mu;
  static auto* cache = new absl::flat_hash_map<std::string, PublicKey>();
  {
    absl::ReaderMutexLock lock(&mu);
    auto it = cache->find(raw);
    if (it != cache->end()) return it->second;
  }
  absl::StatusOr<PublicKey> key = FromBytes(raw);
  if (!key.ok()) return key;  // Invalid keys are not remembered.
  absl::MutexLock lock(&mu);
  if (cache->size() >= kMaxCachedKeys) cache->clear();
  cache->emplace(std::string(raw), *key);
  return key;
}

absl::StatusOr<PublicKey> PublicKey::FromHubId(absl::string_view hub_id) {
  absl::StatusOr<std::string> raw = Bech32mDecode(kHubIdHrp, hub_id);
  if (!raw.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("hub id \"", hub_id, "\" ", raw.status().message()));
  }
  absl::StatusOr<PublicKey> key = FromBytesCached(*raw);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("hub id \"", hub_id,
                     "\" holds an invalid key: ", key.status().message()));
  }
  return key;
}

std::string PublicKey::HubId() const { return Bech32mEncode(kHubIdHrp, raw_); }

std::string HubIdOf(absl::string_view raw_key) {
  // Publishing, indexing and results ask for the same origin's id record
  // after record (a few µs of Bech32m each time): each thread keeps its
  // last answer.
  thread_local std::string last_key;
  thread_local std::string last_id;
  if (last_id.empty() || raw_key != last_key) {
    last_id = Bech32mEncode(kHubIdHrp, raw_key);
    last_key.assign(raw_key.data(), raw_key.size());
  }
  return last_id;
}

std::string PublicKey::Fingerprint() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  std::string input = absl::StrCat("civhub.fingerprint.v1", raw_);
  EVP_Digest(input.data(), input.size(), md, &md_len, EVP_sha256(), nullptr);
  // 80 bits: 16 base32 characters in four groups.
  std::string b32 = Base32(md, 10);
  return absl::StrCat(b32.substr(0, 4), "-", b32.substr(4, 4), "-",
                      b32.substr(8, 4), "-", b32.substr(12, 4));
}

bool PublicKey::Verify(SigningDomain domain, absl::string_view message,
                       absl::string_view signature) const {
  return VerifyRaw(pkey_, Prefixed(domain, message), signature);
}

bool PublicKey::VerifyUnprefixed(absl::string_view message,
                                 absl::string_view signature) const {
  return VerifyRaw(pkey_, message, signature);
}

absl::StatusOr<PrivateKey> PrivateKey::FromEvp(EVP_PKEY* owned) {
  std::shared_ptr<EVP_PKEY> pkey = WrapPkey(owned);
  if (EVP_PKEY_get_id(owned) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError("key is not an Ed25519 key");
  }
  unsigned char raw[kPublicKeySize];
  size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(owned, raw, &len) != 1 ||
      len != kPublicKeySize) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "cannot read the public key");
  }
  absl::StatusOr<PublicKey> pub = PublicKey::FromBytes(
      absl::string_view(reinterpret_cast<char*>(raw), len));
  if (!pub.ok()) return pub.status();
  return PrivateKey(std::move(pkey), *std::move(pub));
}

absl::StatusOr<PrivateKey> PrivateKey::Generate() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "Ed25519 key generation failed");
  }
  return FromEvp(pkey);
}

absl::StatusOr<PrivateKey> PrivateKey::FromPem(absl::string_view pem) {
  internal::BioPtr bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* pkey =
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (pkey == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInvalidArgument,
                                  "not a PEM private key");
  }
  return FromEvp(pkey);
}

absl::StatusOr<PrivateKey> PrivateKey::FromSeed(absl::string_view seed) {
  if (seed.size() != 32) {
    return absl::InvalidArgumentError("an Ed25519 seed is 32 bytes");
  }
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (pkey == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInvalidArgument,
                                  "seed rejected");
  }
  return FromEvp(pkey);
}

std::string PrivateKey::ToPem() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                           nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(len));
  OPENSSL_cleanse(data, static_cast<size_t>(len));
  return pem;
}

absl::StatusOr<std::string> PrivateKey::Sign(SigningDomain domain,
                                             absl::string_view message) const {
  std::string input = Prefixed(domain, message);
  std::string sig(kSignatureSize, '\0');
  size_t sig_len = sig.size();
  CachedContext& cached = SignContext();
  EVP_MD_CTX* ctx = cached.For(pkey_, EVP_DigestSignInit);
  if (ctx == nullptr ||
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()),
                     &sig_len,
                     reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    cached.Drop();
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "Ed25519 signing failed");
  }
  return sig;
}

}  // namespace civhub::crypto
