#include "net/smtp_client.h"

// The library's gcc type checks define curl_easy_setopt as a macro, which
// would also rewrite the member call Curl().curl_easy_setopt(...).
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/file.h"
#include "core/shared_library.h"
#include "core/strings.h"
#include "net/http_client.h"

namespace cordon::net {
namespace {

// NOLINTBEGIN(bugprone-macro-parentheses): `name` is an identifier.
// clang-format off: one function a line, in alphabetical order.
#define CORDON_CURL_FUNCTIONS(X) \
  X(curl_easy_cleanup)           \
  X(curl_easy_init)              \
  X(curl_easy_perform)           \
  X(curl_easy_setopt)            \
  X(curl_easy_strerror)          \
  X(curl_global_init)            \
  X(curl_slist_append)           \
  X(curl_slist_free_all)
// clang-format on

// Each member has the type of the real declaration in curl.h (decltype).
struct LibCurl {
#define CORDON_CURL_MEMBER(name) decltype(&::name) name = nullptr;
  CORDON_CURL_FUNCTIONS(CORDON_CURL_MEMBER)
#undef CORDON_CURL_MEMBER
};
// NOLINTEND(bugprone-macro-parentheses)

const Result<LibCurl>& Curl() {
  return LoadOnce<LibCurl>(
      {"libcurl.so.4", "libcurl, to send mail through the SMTP relay",
       "install it: apt install libcurl4 (Debian, Ubuntu) or dnf install libcurl (Fedora)"},
      [](const SharedLibrary& lib, LibCurl& table) -> Status {
        CORDON_CURL_FUNCTIONS(CORDON_BIND_FUNCTION)
        // Once, before any handle, as the library asks (not thread-safe:
        // LoadOnce runs this on one thread while the others wait).
        if (table.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
          return Error(ErrorCode::kIo, "libcurl did not initialize");
        return Ok();
      });
}

// The message, handed to libcurl as it asks for it.
struct Upload {
  std::string_view rest;
};

size_t ReadMessage(char* into, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->rest.size());
  std::copy_n(upload->rest.data(), n, into);
  upload->rest.remove_prefix(n);
  return n;
}

// "<address>", as MAIL FROM and RCPT TO take it.
std::string Angled(std::string_view address) {
  std::string out;
  out.reserve(address.size() + 2);
  out.push_back('<');
  out.append(address);
  out.push_back('>');
  return out;
}

struct EasyHandle {
  CURL* handle = nullptr;
  curl_slist* recipients = nullptr;
  ~EasyHandle() {
    if (recipients) Curl().value().curl_slist_free_all(recipients);
    if (handle) Curl().value().curl_easy_cleanup(handle);
  }
};

// The transfer's sockets, which a stop shuts down. libcurl waits for the
// relay's answer to the end of the message in a loop of its own, calling
// no progress callback, for up to its reply timeout (and again for QUIT's
// answer when it closes): a stopping server must not wait with it
// (re-attack F2). A shut-down socket ends every wait at once. The lock
// keeps a stop from touching a descriptor libcurl has closed (its number
// may already be another file's).
struct StoppableSockets {
  std::mutex mu;
  std::vector<curl_socket_t> open;
  bool stopped = false;

  void Stop() {
    std::lock_guard lock(mu);
    stopped = true;
    for (curl_socket_t fd : open) ::shutdown(fd, SHUT_RDWR);
  }
};

curl_socket_t OpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* sockets = static_cast<StoppableSockets*>(user);
  std::lock_guard lock(sockets->mu);
  if (sockets->stopped) return CURL_SOCKET_BAD;
  const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd >= 0) sockets->open.push_back(fd);
  return fd;
}

int CloseSocket(void* user, curl_socket_t fd) {
  auto* sockets = static_cast<StoppableSockets*>(user);
  std::lock_guard lock(sockets->mu);
  std::erase(sockets->open, fd);
  return ::close(fd);
}

// Watches `stop` while a transfer runs (every 100 ms; ends as soon as the
// transfer does) and shuts its sockets down once it turns true.
class StopWatcher {
 public:
  StopWatcher(const std::atomic<bool>* stop, StoppableSockets& sockets) {
    if (!stop) return;
    thread_ = std::thread([this, stop, &sockets] {
      std::unique_lock lock(mu_);
      while (!done_) {
        if (stop->load()) {
          sockets.Stop();
          return;
        }
        wake_.wait_for(lock, std::chrono::milliseconds(100));
      }
    });
  }
  ~StopWatcher() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }
  StopWatcher(const StopWatcher&) = delete;
  StopWatcher& operator=(const StopWatcher&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

std::string SmtpEndpoint::Url() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(implicit_tls ? "smtps://" : "smtp://") + h + ":" + port;
}

Result<SmtpEndpoint> ParseSmtpUrl(std::string_view url) {
  SmtpEndpoint e;
  std::string as_http;
  if (url.substr(0, 8) == "smtps://") {
    e.implicit_tls = true;
    as_http = "https://" + std::string(url.substr(8));
  } else if (url.substr(0, 7) == "smtp://") {
    as_http = "http://" + std::string(url.substr(7));
  } else {
    return Error(ErrorCode::kInvalidArgument, std::string(url) + ": not an smtp:// or smtps:// URL",
                 "e.g. smtp://relay.chu.example:587 (STARTTLS) or smtps://relay.chu.example");
  }
  // Printable ASCII without a fragment: a relay's URL is written once by an
  // operator, and whatever else would be dropped or read differently.
  for (char c : url) {
    if (c <= ' ' || c > '~' || c == '#' || c == '%' || c == '\\') {
      return Error(
          ErrorCode::kInvalidArgument,
          PrintableText(url) + ": a relay URL is smtp://HOST[:PORT], nothing else",
          "a host name, an IPv4 address or an IPv6 one in brackets; no spaces, '#' or '%'");
    }
  }
  // The host and port rules are the HTTP client's (user info refused, IPv6
  // in brackets, ports 1-65535).
  auto parsed = ParseServerUrl(as_http);
  if (!parsed.ok()) {
    std::string why = parsed.error().message();
    if (why.starts_with(as_http + ": ")) why = why.substr(as_http.size() + 2);
    return Error(ErrorCode::kInvalidArgument, std::string(url) + ": " + why,
                 "smtp://HOST[:PORT] or smtps://HOST[:PORT]");
  }
  if (parsed->target != "/") {
    return Error(ErrorCode::kInvalidArgument, std::string(url) + ": a relay URL has no path",
                 "smtp://HOST[:PORT]");
  }
  e.host = parsed->host;
  // A name (letters, digits, '-', '.') or an address: anything else (a
  // bracketed IPv6 was checked by the HTTP parser) is not a relay's host.
  for (char c : e.host) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':';
    if (!ok) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(url) + ": the relay's host is not a name or an address");
    }
  }
  // The HTTP client's default ports are not SMTP's: was one written?
  std::string_view authority = url.substr(url.find("//") + 2);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const size_t after_host = authority.starts_with("[") ? authority.find(']') : 0;
  const bool port_given = authority.find(':', after_host) != std::string_view::npos;
  e.port = port_given ? parsed->port : (e.implicit_tls ? "465" : "25");
  e.tls_required = e.implicit_tls || !IsLoopbackHost(e.host);
  return e;
}

Status CheckCaFile(const std::string& path) {
  // A regular file only: a FIFO would block the start (and SIGTERM with it).
  CORDON_ASSIGN_OR_RETURN(Bytes pem, ReadRegularFileLimited(path, 1 << 20));
  const auto refuse = [&](const std::string& what) {
    return Error(ErrorCode::kInvalidArgument, path + ": " + what,
                 "give the PEM file of the CA that signed the relay's certificate");
  };
  if (pem.empty()) return refuse("empty: no PEM certificate in it");
  std::unique_ptr<BIO, decltype(&BIO_free)> in(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!in) return Error(ErrorCode::kIo, "OpenSSL: out of memory");
  // The reader libcurl's CA loading uses (X509_STORE_load_file reads the
  // file with it): a block it cannot read fails the mail later, so it
  // fails the start now (re-attack F3: the certificate reader alone
  // skipped a broken CRL or key block).
  ERR_clear_error();
  using Infos = STACK_OF(X509_INFO);
  std::unique_ptr<Infos, void (*)(Infos*)> infos(
      PEM_X509_INFO_read_bio(in.get(), nullptr, nullptr, nullptr),
      [](Infos* s) { sk_X509_INFO_pop_free(s, X509_INFO_free); });
  ERR_clear_error();
  if (!infos) return refuse("a PEM block in it does not parse");
  int certificates = 0;
  for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
    if (sk_X509_INFO_value(infos.get(), i)->x509 != nullptr) ++certificates;
  }
  if (certificates == 0)
    return refuse("no PEM certificate in it (\"-----BEGIN CERTIFICATE-----\")");
  return Ok();
}

Status SendMail(const SmtpRelay& relay, std::string_view from, std::string_view to,
                std::string_view message, const std::atomic<bool>* stop) {
  CORDON_TRY(LoadStatus(Curl()));
  const LibCurl& c = Curl().value();
  // Before the handle: libcurl closes the connection (CloseSocket, which
  // uses it) when the handle is cleaned up, at the end of this scope.
  StoppableSockets sockets;
  EasyHandle easy;
  easy.handle = c.curl_easy_init();
  if (!easy.handle) return Error(ErrorCode::kIo, "libcurl could not make a handle");
  const std::string url = relay.endpoint.Url(), sender = Angled(from), recipient = Angled(to);
  easy.recipients = c.curl_slist_append(nullptr, recipient.c_str());
  if (!easy.recipients) return Error(ErrorCode::kIo, "libcurl: out of memory");
  Upload upload{message};
  char reason[CURL_ERROR_SIZE] = {};
  // A password never crosses an unencrypted link, even to loopback.
  const bool tls = relay.endpoint.tls_required || !relay.user.empty();
  std::string password;
  WipeOnExit wipe(password);
  if (relay.password) {
    password.reserve(relay.password->size() + 1);
    auto bytes = relay.password->RevealBytes();
    // The file's one line; its end is not part of the password.
    while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r'))
      bytes = bytes.first(bytes.size() - 1);
    password.assign(bytes.begin(), bytes.end());
  }
  CURL* h = easy.handle;
  bool set =
      c.curl_easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK &&
      // Only the mail protocols, whatever the URL turns into.
      c.curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_ERRORBUFFER, reason) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(relay.timeout.count())) ==
          CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                         static_cast<long>(relay.timeout.count())) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_USE_SSL,
                         static_cast<long>(tls ? CURLUSESSL_ALL : CURLUSESSL_TRY)) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_MAIL_FROM, sender.c_str()) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_MAIL_RCPT, easy.recipients) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadMessage) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_READDATA, &upload) == CURLE_OK &&
      c.curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size())) ==
          CURLE_OK;
  if (set && !relay.ca_file.empty())
    set = c.curl_easy_setopt(h, CURLOPT_CAINFO, relay.ca_file.c_str()) == CURLE_OK;
  if (set && !relay.user.empty()) {
    set = c.curl_easy_setopt(h, CURLOPT_USERNAME, relay.user.c_str()) == CURLE_OK &&
          c.curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str()) == CURLE_OK;
  }
  if (!set) {
    return Error(ErrorCode::kUnsupported, "this libcurl lacks an option cordon needs",
                 "libcurl 7.85 or later (Debian 12 has 7.88)");
  }
  set = c.curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket) == CURLE_OK &&
        c.curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &sockets) == CURLE_OK &&
        c.curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, &CloseSocket) == CURLE_OK &&
        c.curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, &sockets) == CURLE_OK;
  if (!set) return Error(ErrorCode::kUnsupported, "this libcurl lacks an option cordon needs");
  CURLcode sent = CURLE_OK;
  {
    StopWatcher watcher(stop, sockets);
    sent = c.curl_easy_perform(h);
  }
  // libcurl keeps its own copy of the password until cleanup.
  if (sent != CURLE_OK) {
    const std::string why = stop && stop->load() ? std::string("the exchange is stopping")
                            : reason[0]          ? std::string(reason)
                                                 : std::string(c.curl_easy_strerror(sent));
    return Error(ErrorCode::kIo, "the SMTP relay " + url + " did not take the mail: " + why);
  }
  return Ok();
}

}  // namespace cordon::net
