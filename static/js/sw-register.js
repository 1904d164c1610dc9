/* Registers the service worker (/sw.js, core/webapp.py) on every page: it
 * keeps the page shell and shows the offline page when the network is gone.
 * The push section of the profile (push.js) waits for the same registration. */
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
    // Without a worker the site works as before, only not offline.
  });
}
