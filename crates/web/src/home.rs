//! The page at `/` until the web UI is built: what runs here and where.

use axum::response::Html;

pub(crate) async fn home() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>拓客 Tuoke</title>
<style>body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.6;color:#222}code{background:#f3f3f3;padding:0 .3em}</style>
</head><body>
<h1>拓客 Tuoke</h1>
<p>客户开发系统正在运行。网页界面尚在建设中；现在可以使用 REST API。</p>
<p>Tuoke is running. The web interface is not built yet; the REST API is available.</p>
<ul>
<li><a href="/api/openapi.json">OpenAPI 接口说明 / API description</a></li>
<li><a href="/healthz">/healthz</a> · <a href="/metrics">/metrics</a></li>
</ul>
<p>登录 / Log in: <code>POST /api/v1/auth/login</code></p>
</body></html>"#,
    )
}
