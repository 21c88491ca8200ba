// What the server adds to every handler's responses: HTTPS, the request
// rate limit, gzip, CORS; and that a slow client holds no one else up.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <atomic>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http/gzip.h"
#include "http/http_server.h"
#include "http/testing/test_client.h"
#include "tests/testutil.h"

namespace civhub::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using testing::Answer;
using testing::TestClient;

// A JSON body well over kMinGzipBytes.
std::string BigJson() {
  std::string body = "[";
  for (int i = 0; i < 200; ++i) {
    absl::StrAppend(&body, i ? "," : "", "{\"name\":\"Maji Safi ", i, "\"}");
  }
  return body + "]";
}

std::string Gunzip(const std::string& in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buffer[4096];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END) << "not one whole gzip member";
  inflateEnd(&z);
  return out;
}

// A stream of a few JSON lines.
class LinesStream : public BodyStream {
 public:
  void Next(Ready ready) override {
    if (next_ == 3) return ready("", true);
    ready(absl::StrCat("{\"line\":", next_++, "}\n"), false);
  }
  void Cancel() override {}

 private:
  int next_ = 0;
};

// Writes a self-signed certificate for "localhost" and its key (P-256),
// as PEM files.
void WriteSelfSigned(const std::string& cert_path,
                     const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  FILE* f = std::fopen(cert_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

class HttpFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/big", [](std::shared_ptr<const Request>, Reply reply) {
      Response response;
      response.body = BigJson();
      response.etag = "\"big1\"";
      reply(std::move(response));
    });
    router_.Add("GET", "/small",
                [](std::shared_ptr<const Request>, Reply reply) {
                  Response response;
                  response.body = "{\"ok\":true}";
                  reply(std::move(response));
                });
    router_.Add("GET", "/lines",
                [](std::shared_ptr<const Request>, Reply reply) {
                  Response response;
                  response.content_type = "application/x-ndjson";
                  response.stream = std::make_shared<LinesStream>();
                  reply(std::move(response));
                });
    router_.Add("GET", "/private",
                [](std::shared_ptr<const Request>, Reply reply) {
                  Response response;
                  response.content_type = "text/plain";
                  response.body = "mine";
                  response.cross_origin = false;
                  reply(std::move(response));
                });
    router_.Add(
        "GET", "/secret",
        [](std::shared_ptr<const Request>, Reply reply) {
          Response response;
          response.content_type = "text/plain";
          response.body = "counters";
          reply(std::move(response));
        },
        /*cross_origin=*/false);
    options_.listen = "127.0.0.1:0";
    // The rate limit is tested on its own (a tiny rate); here it is off.
    options_.limits.requests_per_second = 0;
  }

  void Start() {
    auto server = HttpServer::Start(options_, &router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // HTTPS with a new self-signed certificate in `dir` (cert.pem).
  void UseSelfSigned(const testing::TempDir& dir) {
    WriteSelfSigned(dir.Sub("cert.pem"), dir.Sub("key.pem"));
    options_.tls_cert_file = dir.Sub("cert.pem");
    options_.tls_key_file = dir.Sub("key.pem");
  }

  std::unique_ptr<TestClient> Connect() {
    return std::make_unique<TestClient>(server_->address());
  }

  Router router_;
  HttpOptions options_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpFeaturesTest, HttpsRoundTripWithTheGivenCertificate) {
  testing::TempDir dir;
  UseSelfSigned(dir);
  Start();

  auto client = Connect();
  beast::error_code ec = client->StartTls(dir.Sub("cert.pem"));
  ASSERT_FALSE(ec) << ec.message();
  Answer first = client->Get("/small");
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(first.body(), "{\"ok\":true}");
  // Keep-alive over TLS.
  EXPECT_EQ(client->Get("/big").body(), BigJson());
  // A stream over TLS, and the connection goes on after it.
  EXPECT_EQ(client->Get("/lines").body(),
            "{\"line\":0}\n{\"line\":1}\n{\"line\":2}\n");
  EXPECT_EQ(client->Get("/small").result_int(), 200);
}

TEST_F(HttpFeaturesTest, PlainHttpToTheHttpsPortGets400SayingUseHttps) {
  testing::TempDir dir;
  UseSelfSigned(dir);
  Start();
  auto plain = Connect();
  Answer answer = plain->Get("/v1/search?text=maji", {{"host", "hub.example"}});
  EXPECT_EQ(answer.result_int(), 400);
  EXPECT_EQ(answer[bhttp::field::content_type], "application/json");
  EXPECT_EQ(answer.body(),
            "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"this port speaks "
            "HTTPS, not plain HTTP: use "
            "https://hub.example/v1/search?text=maji\"}\n");
  EXPECT_FALSE(answer.keep_alive());
  beast::error_code ec;
  plain->ReadUntilClosed(&ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
  // HTTPS on the same port still works.
  auto secure = Connect();
  ASSERT_FALSE(secure->StartTls(dir.Sub("cert.pem")));
  EXPECT_EQ(secure->Get("/small").result_int(), 200);
}

TEST_F(HttpFeaturesTest,
       ATlsHandshakeNeverFinishedIsClosedAtTheRequestTimeout) {
  testing::TempDir dir;
  UseSelfSigned(dir);
  options_.limits.request_timeout = absl::Milliseconds(300);
  Start();
  auto client = Connect();
  // Half a TLS record header, then nothing.
  ASSERT_FALSE(client->Write(std::string("\x16\x03\x01", 3)));
  absl::Time start = absl::Now();
  beast::error_code ec;
  EXPECT_EQ(client->ReadUntilClosed(&ec), "");
  EXPECT_TRUE(ec == boost::asio::error::eof ||
              ec == boost::asio::error::connection_reset)
      << ec.message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(HttpTlsFilesTest, BadCertificateOrKeyFilesAreNamed) {
  testing::TempDir dir;
  WriteSelfSigned(dir.Sub("cert.pem"), dir.Sub("key.pem"));
  WriteSelfSigned(dir.Sub("other-cert.pem"), dir.Sub("other-key.pem"));
  Router router;
  HttpOptions options;
  options.listen = "127.0.0.1:0";

  options.tls_cert_file = dir.Sub("missing.pem");
  options.tls_key_file = dir.Sub("key.pem");
  EXPECT_STATUS(HttpServer::Start(options, &router).status(),
                absl::StatusCode::kFailedPrecondition,
                "--http-tls-cert: cannot read " + dir.Sub("missing.pem"));

  options.tls_cert_file = dir.Sub("key.pem");
  EXPECT_STATUS(HttpServer::Start(options, &router).status(),
                absl::StatusCode::kFailedPrecondition,
                dir.Sub("key.pem") + " holds no PEM certificate chain");

  options.tls_cert_file = dir.Sub("cert.pem");
  options.tls_key_file = dir.Sub("other-key.pem");
  EXPECT_STATUS(HttpServer::Start(options, &router).status(),
                absl::StatusCode::kFailedPrecondition,
                "--http-tls-key: " + dir.Sub("other-key.pem") +
                    " does not match the certificate in " +
                    dir.Sub("cert.pem"));
  EXPECT_STATUS(HttpServer::CheckTls(options),
                absl::StatusCode::kFailedPrecondition, "does not match");

  options.tls_key_file.clear();
  EXPECT_STATUS(HttpServer::Start(options, &router).status(),
                absl::StatusCode::kInvalidArgument,
                "--http-tls-cert and --http-tls-key go together");
}

TEST_F(HttpFeaturesTest, OverTheRateAClientGets429WithRetryAfterThenRecovers) {
  options_.limits.requests_per_second = 2;
  options_.limits.request_burst = 3;
  Start();
  auto client = Connect();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client->Get("/small").result_int(), 200) << i;
  }
  Answer refused = client->Get("/small");
  EXPECT_EQ(refused.result_int(), 429);
  EXPECT_EQ(refused[bhttp::field::retry_after], "1");
  EXPECT_TRUE(
      absl::StrContains(refused.body(), "\"code\":\"RESOURCE_EXHAUSTED\""))
      << refused.body();
  EXPECT_TRUE(absl::StrContains(refused.body(), "retry after 1 s"))
      << refused.body();
  // The connection stays open; once a token is back the client is served.
  EXPECT_TRUE(refused.keep_alive());
  int status = 429;
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (status == 429 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    status = client->Get("/small").result_int();
  }
  EXPECT_EQ(status, 200);
}

TEST_F(HttpFeaturesTest, GzipWhenAcceptedAndTheBodyIsWorthIt) {
  Start();
  auto client = Connect();
  Answer gzipped = client->Get("/big", {{"accept-encoding", "gzip, br"}});
  EXPECT_EQ(gzipped.result_int(), 200);
  EXPECT_EQ(gzipped[bhttp::field::content_encoding], "gzip");
  EXPECT_EQ(gzipped[bhttp::field::vary], "Accept-Encoding");
  EXPECT_LT(gzipped.body().size(), BigJson().size() / 2);
  EXPECT_EQ(Gunzip(gzipped.body()), BigJson());
  // The ETag names the identity body: weak now, and still gets a 304.
  EXPECT_EQ(gzipped[bhttp::field::etag], "W/\"big1\"");
  EXPECT_EQ(client
                ->Get("/big", {{"accept-encoding", "gzip"},
                               {"if-none-match", "W/\"big1\""}})
                .result_int(),
            304);

  // Not asked for (or refused): the body as it is.
  Answer plain = client->Get("/big");
  EXPECT_EQ(plain.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(plain.body(), BigJson());
  EXPECT_EQ(plain[bhttp::field::vary], "Accept-Encoding");
  EXPECT_EQ(plain[bhttp::field::etag], "\"big1\"");
  Answer refused =
      client->Get("/big", {{"accept-encoding", "gzip;q=0, identity"}});
  EXPECT_EQ(refused.count(bhttp::field::content_encoding), 0u);
  // Too small to be worth it.
  Answer small = client->Get("/small", {{"accept-encoding", "gzip"}});
  EXPECT_EQ(small.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(small.body(), "{\"ok\":true}");
}

TEST_F(HttpFeaturesTest, AStreamIsGzippedPieceByPieceEachDecodableOnArrival) {
  Start();
  auto client = Connect();
  Answer response = client->Get("/lines", {{"accept-encoding", "gzip"}});
  EXPECT_TRUE(response.chunked());
  EXPECT_EQ(response[bhttp::field::content_encoding], "gzip");
  EXPECT_EQ(Gunzip(response.body()),
            "{\"line\":0}\n{\"line\":1}\n{\"line\":2}\n");
  // Without Accept-Encoding, the lines as they are.
  Answer plain = client->Get("/lines");
  EXPECT_EQ(plain.count(bhttp::field::content_encoding), 0u);
  EXPECT_EQ(plain.body(), "{\"line\":0}\n{\"line\":1}\n{\"line\":2}\n");

  // Each piece is flushed: the first chunk alone decodes to the first line.
  GzipEncoder encoder;
  std::string first = encoder.Compress("{\"line\":0}\n", false);
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  char out[256];
  z.next_in = reinterpret_cast<Bytef*>(first.data());
  z.avail_in = static_cast<uInt>(first.size());
  z.next_out = reinterpret_cast<Bytef*>(out);
  z.avail_out = sizeof(out);
  EXPECT_EQ(inflate(&z, Z_SYNC_FLUSH), Z_OK);
  EXPECT_EQ(std::string(out, sizeof(out) - z.avail_out), "{\"line\":0}\n");
  inflateEnd(&z);
}

TEST_F(HttpFeaturesTest, EveryResponseAllowsAnyOriginAndPreflightsAreAnswered) {
  Start();
  auto client = Connect();
  const std::vector<std::pair<std::string, std::string>> origin = {
      {"origin", "https://example.org"}};
  Answer ok = client->Get("/small", origin);
  EXPECT_EQ(ok[bhttp::field::access_control_allow_origin], "*");
  // Errors too, so a page can read their JSON.
  Answer missing = client->Get("/nowhere", origin);
  EXPECT_EQ(missing.result_int(), 404);
  EXPECT_EQ(missing[bhttp::field::access_control_allow_origin], "*");
  // Whatever the method: a 405's JSON is readable too.
  Answer refused = client->Send(bhttp::verb::post, "/small", origin, "{}");
  EXPECT_EQ(refused.result_int(), 405);
  EXPECT_EQ(refused[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(refused[bhttp::field::access_control_expose_headers],
            "ETag, Retry-After, X-Total-Items, X-Total-Pages, X-Page-Number");
  // A response that opts out.
  EXPECT_EQ(client->Get("/private", origin)
                .count(bhttp::field::access_control_allow_origin),
            0u);
  // A route that opts out (as /metrics): its answers and the 405 on its
  // path.
  EXPECT_EQ(client->Get("/secret", origin)
                .count(bhttp::field::access_control_allow_origin),
            0u);
  Answer secret_refused =
      client->Send(bhttp::verb::post, "/secret", origin, "{}");
  EXPECT_EQ(secret_refused.result_int(), 405);
  EXPECT_EQ(secret_refused.count(bhttp::field::access_control_allow_origin),
            0u);

  Answer preflight =
      client->Send(bhttp::verb::options, "/small",
                   {{"origin", "https://example.org"},
                    {"access-control-request-method", "GET"},
                    {"access-control-request-headers", "last-event-id"}});
  EXPECT_EQ(preflight.result_int(), 204);
  EXPECT_EQ(preflight[bhttp::field::access_control_allow_origin], "*");
  EXPECT_EQ(preflight[bhttp::field::access_control_allow_methods],
            "GET, HEAD, OPTIONS");
  const std::string allowed(
      preflight[bhttp::field::access_control_allow_headers]);
  EXPECT_TRUE(absl::StrContains(allowed, "Last-Event-ID")) << allowed;
  EXPECT_TRUE(absl::StrContains(allowed, "If-None-Match")) << allowed;
  EXPECT_EQ(preflight[bhttp::field::access_control_max_age], "86400");
  EXPECT_EQ(preflight.count(bhttp::field::access_control_allow_credentials),
            0u);
  EXPECT_TRUE(preflight.body().empty());
  EXPECT_EQ(preflight.count(bhttp::field::content_length), 0u);

  // A request that cannot be read is answered with CORS too (then closed).
  auto garbled = Connect();
  ASSERT_FALSE(garbled->Write("NOT AN HTTP REQUEST\r\n\r\n"));
  Answer bad = garbled->ReadResponse();
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(bad[bhttp::field::access_control_allow_origin], "*");
}

TEST_F(HttpFeaturesTest,
       ASlowLorisIsClosedAtTheRequestTimeoutWhileOthersAreServed) {
  options_.limits.request_timeout = absl::Milliseconds(600);
  Start();
  // The slow client sends its request a byte every 50 ms: it would take
  // over a second, and is closed at 600 ms however steadily it sends.
  std::atomic<bool> closed{false};
  absl::Duration held;
  std::thread slow([&] {
    TestClient loris(server_->address());
    const std::string request =
        "GET /small HTTP/1.1\r\nHost: test\r\nX-Padding: aaaaaaaa\r\n\r\n";
    absl::Time start = absl::Now();
    for (char c : request) {
      if (loris.Write(std::string(1, c))) break;
      absl::SleepFor(absl::Milliseconds(50));
      if (loris.ClosedByServer()) break;
    }
    held = absl::Now() - start;
    closed = true;
  });
  // Meanwhile another client's requests are answered at once.
  auto client = Connect();
  absl::Duration slowest;
  int served = 0;
  while (!closed) {
    absl::Time start = absl::Now();
    ASSERT_EQ(client->Get("/small").result_int(), 200);
    slowest = std::max(slowest, absl::Now() - start);
    ++served;
    absl::SleepFor(absl::Milliseconds(20));
  }
  slow.join();
  EXPECT_GE(held, absl::Milliseconds(550));
  EXPECT_LT(held, absl::Seconds(1)) << "the slow client was not cut off";
  EXPECT_GT(served, 5);
  EXPECT_LT(slowest, absl::Milliseconds(200));
}

}  // namespace
}  // namespace civhub::http
