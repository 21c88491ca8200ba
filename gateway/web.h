// The web directory: a page for people at / (search, filters, a record
// page at /record/{origin}/{record_id}) that uses the JSON API and checks
// every record's signature in the browser (docs/api.md, "The web
// directory").
//
// Routes:
//   GET /                            the page (also /record/{origin}/{id})
//   GET /static/{file}               its scripts, style and messages, from
//                                    the binary; ETag, cached for a year
//                                    (the page names them with ?v=<hash>)
//   GET /static/options.json         the option lists of the filters,
//                                    from the hub's ISO and taxonomy tables
//   GET /static/leaflet/{file}       Debian's libjs-leaflet, read once at
//                                    start from WebOptions::leaflet_dir;
//                                    404 when it is not installed
// The page carries a Content-Security-Policy allowing only the hub itself
// (and the OpenStreetMap tile server for map images), nosniff and a
// Referrer-Policy.
#ifndef CIVHUB_GATEWAY_WEB_H_
#define CIVHUB_GATEWAY_WEB_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "http/message.h"
#include "http/router.h"

namespace civhub::gateway {

struct WebOptions {
  // Where Debian's libjs-leaflet puts Leaflet; empty: no map.
  std::string leaflet_dir = "/usr/share/javascript/leaflet";
};

// The interface languages, the first the default: en, es, fr, ar, sw.
const std::vector<std::string>& WebLanguages();

// The interface language for a request: its ?hl= when that is one of
// WebLanguages(), else the first of its Accept-Language (by q, then order)
// whose primary subtag is, else "en".
std::string PickWebLanguage(const http::Request& request);

// Registers the routes above. Reads the Leaflet files once, now; a missing
// directory is not an error (the page then lists locations without a map).
// Thread-safe after registration.
void AddWebRoutes(const WebOptions& options, http::Router* router);

}  // namespace civhub::gateway

#endif  // CIVHUB_GATEWAY_WEB_H_
