"""Three fictional township sites of 云溪县, served offline for tests and `sitemigrate demo`.

- `taoyuan` (桃源镇): TRS WCM style, GBK; `qingshi` (青石乡): Hanweb JCMS style with dataproxy
  paging; `liuhe` (柳河街道): hand-made ASP with frames, script-only links and crawler traps.
- `server.start_sample_server()` serves all three on one port, by Host header or as an HTTP proxy.
- `truth` lists what a complete migration must find (articles, attachments, archivable URLs);
  `discovery_cases` names each way of finding a URL and the sample page that needs it.
- The server can change a site while it runs (`serve`, `remove`), as between two crawls.

Everything is generated from seeded data: the same bytes on every run, on any date.
"""
