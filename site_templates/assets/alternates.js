/* Definitive: keep Material from fetching a sitemap beside the page's own alternates.
 *
 * Every page links its markdown copy (<link rel="alternate" type="text/markdown">) and the
 * site's Atom feeds, for agents and feed readers. Material for MkDocs reads every
 * link[rel=alternate] as another language of the site and fetches sitemap.xml beside it: for
 * a page's markdown that is <folder>/sitemap.xml, a 404 on every page (two log lines a second
 * per open page under `definitive serve`), and for a feed the whole sitemap on every visit.
 *
 * Material looks once, on DOMContentLoaded (its listener was added when its bundle ran, before
 * this script), so these links take another rel until then and get rel="alternate" back right
 * after it looked: the page's DOM ends as it was served, and tools reading the HTML see the
 * links as written. (Material's instant navigation would look again on every page it loads;
 * Definitive's config leaves it off.) Language alternates (hreflang) are left alone.
 */
(function () {
  "use strict";
  var ours = 'link[rel="alternate"]:not([hreflang])[type="text/markdown"],' +
    'link[rel="alternate"]:not([hreflang])[type="application/atom+xml"]';
  var links = Array.prototype.slice.call(document.querySelectorAll(ours));
  links.forEach(function (link) { link.setAttribute("rel", "definitive-alternate"); });
  document.addEventListener("DOMContentLoaded", function () {
    links.forEach(function (link) { link.setAttribute("rel", "alternate"); });
  });
})();
