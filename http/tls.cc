#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace civhub::http {
namespace {

namespace ssl = boost::asio::ssl;

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// OpenSSL's reason for the last error, without the queue's noise.
std::string Reason(const boost::system::error_code& ec) {
  std::string reason = ec.message();
  ERR_clear_error();
  return reason;
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> LoadTlsContext(
    const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return absl::InvalidArgumentError(
        "--http-tls-cert and --http-tls-key go together");
  }
  absl::StatusOr<std::string> cert = ReadPem(cert_file, "--http-tls-cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem(key_file, "--http-tls-key");
  if (!key.ok()) return key.status();

  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds |
                       ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain(boost::asio::buffer(*cert), ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("--http-tls-cert: ", cert_file,
                     " holds no PEM certificate chain (", Reason(ec), ")"));
  }
  context->use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
  if (ec) {
    std::string reason = Reason(ec);
    if (reason.find("mismatch") != std::string::npos) {
      return absl::FailedPreconditionError(
          absl::StrCat("--http-tls-key: ", key_file,
                       " does not match the certificate in ", cert_file));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("--http-tls-key: ", key_file,
                     " holds no PEM private key (", reason, ")"));
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat("--http-tls-key: ", key_file,
                     " does not match the certificate in ", cert_file));
  }
  return context;
}

}  // namespace civhub::http
