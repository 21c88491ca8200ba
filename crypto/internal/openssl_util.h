// Owning wrappers for OpenSSL handles and the one place where OpenSSL's error
// queue becomes a status. Private to crypto/.
#ifndef CIVHUB_CRYPTO_INTERNAL_OPENSSL_UTIL_H_
#define CIVHUB_CRYPTO_INTERNAL_OPENSSL_UTIL_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace civhub::crypto::internal {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

inline void FreeBio(BIO* b) { BIO_free_all(b); }

using BioPtr = std::unique_ptr<BIO, Deleter<BIO, FreeBio>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX, BN_CTX_free>>;
using MdCtxPtr =
    std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

// Drains OpenSSL's error queue into a status: "`what`: <openssl reason>".
absl::Status OpenSslError(absl::StatusCode code, absl::string_view what);

}  // namespace civhub::crypto::internal

#endif  // CIVHUB_CRYPTO_INTERNAL_OPENSSL_UTIL_H_
