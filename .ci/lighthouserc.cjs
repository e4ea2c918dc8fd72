// Lighthouse CI settings for `make lighthouse` (a benchmark, never a test): it serves the built
// site (site/) itself, measures the home page and every chapter page (a page whose HTML carries
// the chapter stamp, class "book-stamp") three times with Lighthouse's default mobile settings,
// takes the median run of each, and fails if a category scores below 0.95. The browser is the one
// CHROME_PATH names (the Makefile passes BOOK_CHROMIUM: Debian's /usr/bin/chromium by default);
// with background networking off it makes no request to another host. Reports: .cache/lighthouse/.
const fs = require("node:fs");
const path = require("node:path");

const site = path.resolve(__dirname, "..", "site");
const chapters = fs.existsSync(site)
  ? fs.readdirSync(site).filter((name) => {
      if (name === "print") return false; // the PDF's print page: every chapter at once, never read on screen
      const page = path.join(site, name, "index.html");
      return fs.existsSync(page) && fs.readFileSync(page, "utf8").includes('class="book-stamp');
    })
  : [];
const atLeast = (score) => ["error", { minScore: score, aggregationMethod: "median-run" }];

module.exports = {
  ci: {
    collect: {
      staticDistDir: site,
      url: ["/", ...chapters.sort().map((name) => `/${name}/`)],
      numberOfRuns: 3,
      chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
      settings: {
        onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
        // --disable-features=PaintHolding: Lighthouse opens each page from about:blank, and in headless
        // Chromium paint holding then sometimes leaves the page without a frame for about a second after
        // it has loaded: the main thread sits idle, the first paint lands near 1.2 s whatever the page
        // holds, and the simulated LCP becomes 3.3 s (Lighthouse issue #17148 describes this BeginFrame
        // throttling). Measured here on the autograd page: 4 runs in 11 stalled without the flag, none
        // in 10 with it. A reader's first visit to a page has no earlier page to hold.
        chromeFlags:
          "--headless=new --no-sandbox --disable-gpu --disable-background-networking " +
          "--disable-component-update --disable-sync --no-first-run --disable-features=PaintHolding",
      },
    },
    assert: {
      assertions: {
        "categories:performance": atLeast(0.95),
        "categories:accessibility": atLeast(0.95),
        "categories:best-practices": atLeast(0.95),
        "categories:seo": atLeast(0.95),
      },
    },
    upload: { target: "filesystem", outputDir: path.resolve(__dirname, "..", ".cache", "lighthouse") },
  },
};
