// The HTTPS server's certificate: a PEM chain and its private key loaded
// into a Boost.Asio (OpenSSL) TLS context.
#ifndef CIVHUB_HTTP_TLS_H_
#define CIVHUB_HTTP_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace civhub::http {

// A server context for TLS 1.2 and 1.3 with the certificate chain in
// `cert_file` and the key in `key_file` (both PEM). FAILED_PRECONDITION
// naming the flag and the file when a file cannot be read, holds no PEM
// certificate chain or key, or the key does not match the certificate;
// INVALID_ARGUMENT when only one of them is given.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> LoadTlsContext(
    const std::string& cert_file, const std::string& key_file);

}  // namespace civhub::http

#endif  // CIVHUB_HTTP_TLS_H_
