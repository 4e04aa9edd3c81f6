// Package e2e holds dabba's browser tests: Debian's Chromium, driven by
// chromedp, uses the web apps against a whole dabba node (api/apitest: real
// PostgreSQL, real Redis, the tracking engine and the realtime hub) the way
// a customer, a restaurant and an admin would, and checks what the pages
// show. The package has no code besides its tests.
//
// The tests need Chromium at $CHROMIUM_PATH or /usr/bin/chromium; `make
// test` installs it (see .ci/services.sh). They fail rather than skip when
// it is missing.
package e2e
