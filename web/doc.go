// Package web holds the planner service's domain types, its wire rules and
// its one error type. It imports only the standard library, so every other
// package (and bff, which a host site imports) can depend on it; the test in
// imports_test.go keeps it that way.
//
// The sub-packages:
//
//   - web/token: issues and verifies the service's JWTs (Ed25519 keyring,
//     partner-signed HS256 tokens, the verified-token cache).
//   - web/api: the HTTP API (/v1/*), the planner page and the single
//     HTTPErrorHandler that turns a web.Error into status and JSON.
//   - web/live: the /ws live channel: hub, sockets, authentication on the
//     socket, event builders. It does not depend on web/api or echo.
//   - web/service: the composition root. It builds the store, keyring,
//     issuer, verifier, live hub and API into one service, and holds the
//     PublishingStore decorator that turns saved changes into live events.
//   - web/sqlite: the embedded storage; web/storetest: the conformance suite
//     every storage backend runs.
//   - web/catalog: catalog import files (parse, validate) and the seed.
//   - web/secretbox: secrets at rest under the master key.
//   - web/ratelimit: the keyed token-bucket limiter the API and bff share.
//   - web/clocktest: the one fake Clock tests use.
//
// Glossary (one name per concept in code):
//
//   - retailer = legal entity: the company that embeds the planner. Claims
//     and short fields call its id "le"; Go code calls it RetailerID.
//   - user id = uid: the host's own id for one of the retailer's signed-in
//     users. A project's owner is the uid that created it (OwnerUID).
//   - distribution id: the public id a host page names the retailer by
//     (the SDK's distribution option, /ws?d=...); the API key and secret
//     are the private pair that mints tokens.
//   - identity epoch: the planner's counter of who it speaks for, moved on by
//     every Authentication, Login and Logout, so an answer that arrives for
//     an earlier identity is dropped and nothing is replayed under another.
package web
