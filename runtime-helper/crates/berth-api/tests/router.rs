//! The router without a socket (no root needed): pings, versioned paths, and bad input
//! answered with a 4xx and a JSON message.
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use std::sync::Arc;
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: serde_json::Value,
    text: String,
}

async fn call(method: Method, uri: &str, body: &str) -> Answer {
    let dir = tempfile::tempdir().unwrap();
    let app = berth_api::app(Arc::new(berth_engine::Engine::open(dir.path())));
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or_default(),
        text,
    }
}

#[tokio::test]
async fn ping_answers_get_and_head_with_the_version_headers() {
    for (m, uri) in [(Method::GET, "/_ping"), (Method::HEAD, "/v1.44/_ping")] {
        let a = call(m.clone(), uri, "").await;
        assert_eq!(a.status, StatusCode::OK, "{m} {uri}");
        assert_eq!(a.headers["api-version"], "1.44");
        assert_eq!(a.headers["ostype"], "linux");
        assert_eq!(a.headers["builder-version"], "1");
        assert_eq!(a.text, if m == Method::GET { "OK" } else { "" });
    }
}

#[tokio::test]
async fn version_is_one_docker_tools_accept() {
    let a = call(Method::GET, "/v1.41/version", "").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body["ApiVersion"], "1.44");
    assert_eq!(a.body["MinAPIVersion"], "1.24");
    let major: u32 = a.body["Version"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(major >= 24);
}

#[tokio::test]
async fn bad_input_is_a_4xx_with_a_json_message() {
    let cases = [
        (Method::GET, "/nope", "", StatusCode::NOT_FOUND),
        (Method::GET, "/v1.44/volumes", "", StatusCode::NOT_FOUND),
        (Method::PUT, "/_ping", "", StatusCode::METHOD_NOT_ALLOWED),
        (
            Method::POST,
            "/containers/create",
            "{not json",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/containers/create",
            r#"{"Image":5}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/containers/create?name=x",
            r#"{"Image":"nosuch"}"#,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/containers/json?filters=%7B",
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/containers/json?filters=%7B%22ancestorz%22%3A%5B%5D%7D",
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/containers/json?all=maybe",
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/containers/nosuch/json",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/containers/nosuch/start",
            "",
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/images/nosuch/json",
            "",
            StatusCode::NOT_FOUND,
        ),
    ];
    for (m, uri, body, want) in cases {
        let a = call(m.clone(), uri, body).await;
        assert_eq!(a.status, want, "{m} {uri}: {}", a.text);
        let msg = a.body["message"].as_str().unwrap_or_default();
        assert!(
            !msg.is_empty(),
            "{m} {uri}: no JSON message in {:?}",
            a.text
        );
    }
}

#[tokio::test]
async fn an_empty_store_lists_nothing() {
    for uri in ["/containers/json?all=1", "/v1.44/images/json"] {
        let a = call(Method::GET, uri, "").await;
        assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text);
        assert_eq!(a.body, serde_json::json!([]), "{uri}");
    }
}
