//! The simulator through a real HTTP client: every documented parameter, header, status and
//! switch, and the control API.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tines_sim::{Behaviour, RunningSimulator};

struct Harness {
    sim: RunningSimulator,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        Self::with(Behaviour::default()).await
    }

    async fn with(behaviour: Behaviour) -> Self {
        let sim = tines_sim::spawn(behaviour).await.expect("simulator starts");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self { sim, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    async fn key(&self, kind: &str, name: &str) -> Value {
        self.control(
            reqwest::Method::POST,
            "/_sim/keys",
            json!({"kind": kind, "name": name}),
        )
        .await
    }

    async fn owner(&self) -> String {
        self.key("tenant_owner", "owner").await["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn seed(&self, body: Value) -> Value {
        self.control(reqwest::Method::POST, "/_sim/events", body)
            .await
    }

    async fn configure(&self, patch: Value) {
        self.control(reqwest::Method::PATCH, "/_sim/config", patch)
            .await;
    }

    async fn get(&self, key: &str, path_and_query: &str) -> reqwest::Response {
        self.http
            .get(self.url(path_and_query))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, key: &str, path_and_query: &str) -> Value {
        let response = self.get(key, path_and_query).await;
        assert_eq!(response.status(), StatusCode::OK, "{path_and_query}");
        response.json().await.unwrap()
    }
}

fn ids(page: &Value) -> Vec<u64> {
    page["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect()
}

fn created(page: &Value) -> Vec<String> {
    page["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["created_at"].as_str().unwrap().to_owned())
        .collect()
}

// ---- audit logs: shape, paging, meta ----

#[tokio::test]
async fn entries_carry_every_documented_field_in_second_precision() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    h.seed(json!({"count": 200, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:10:00Z"}))
        .await;
    let page = h.page(&owner, "/api/v1/audit_logs?per_page=200").await;
    let entries = page["audit_logs"].as_array().unwrap();
    assert_eq!(entries.len(), 200);
    let mut saw = HashSet::new();
    for entry in entries {
        for field in [
            "id",
            "created_at",
            "updated_at",
            "operation_name",
            "inputs",
            "request_ip",
            "request_user_agent",
            "tenant_id",
            "user_id",
            "user_email",
            "user_name",
        ] {
            assert!(entry.get(field).is_some(), "{field} missing in {entry}");
        }
        let created_at = entry["created_at"].as_str().unwrap();
        assert_eq!(created_at.len(), 20, "{created_at}");
        assert!(created_at.starts_with("2024-05-01T00:0") && created_at.ends_with('Z'));
        assert_eq!(entry["updated_at"], entry["created_at"]);
        assert!(entry["inputs"].is_null() || entry["inputs"].is_object());
        assert_eq!(entry["tenant_id"], 1234);
        saw.insert(match entry.get("outputs") {
            None => "no outputs",
            Some(_) => "outputs",
        });
        saw.insert(match entry.get("story_id") {
            None => "no story_id",
            Some(Value::Null) => "null story_id",
            Some(_) => "story_id",
        });
        if entry["inputs"].is_null() {
            saw.insert("null inputs");
        }
    }
    for variant in [
        "outputs",
        "no outputs",
        "story_id",
        "null story_id",
        "no story_id",
        "null inputs",
    ] {
        assert!(saw.contains(variant), "no entry with {variant}");
    }
}

#[tokio::test]
async fn per_page_defaults_to_20_and_is_capped_at_500() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    h.seed(json!({"count": 700})).await;
    let page = h.page(&owner, "/api/v1/audit_logs").await;
    assert_eq!(ids(&page).len(), 20);
    assert_eq!(page["meta"]["per_page"], 20);
    assert_eq!(page["meta"]["pages"], 35);
    let page = h.page(&owner, "/api/v1/audit_logs?per_page=5000").await;
    assert_eq!(ids(&page).len(), 500);
    assert_eq!(page["meta"]["per_page"], 500);
    assert_eq!(page["meta"]["pages"], 2);
    let response = h.get(&owner, "/api/v1/audit_logs?per_page=0").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("per_page")
    );
}

#[tokio::test]
async fn walking_next_page_urls_visits_every_record_once_with_consistent_meta() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    // 130 records in 40 seconds: most seconds hold several records.
    h.seed(json!({"count": 130, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:00:40Z"}))
        .await;
    let query = "/api/v1/audit_logs?operation_name[]=Login&operation_name[]=UserEdit&operation_name[]=StoryItemsMovement&operation_name[]=ActionsUpdate&operation_name[]=StoryCreation&operation_name[]=TenantConfigChange&operation_name[]=CredentialUpdate&operation_name[]=AuthenticationTokenCreation&operation_name[]=AuthenticationTokenDeletion&per_page=25";
    let mut url = h.url(query);
    let (mut seen, mut pages, mut expected_page) = (Vec::new(), 0, 1);
    loop {
        let page: Value = h
            .http
            .get(&url)
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let meta = &page["meta"];
        assert_eq!(meta.as_object().unwrap().len(), 7, "{meta}");
        assert_eq!(meta["count"], 130);
        assert_eq!(meta["pages"], 6);
        assert_eq!(meta["per_page"], 25);
        let current = meta["current_page"].as_str().unwrap();
        assert!(
            current.ends_with(&format!("page={expected_page}")),
            "{current}"
        );
        assert!(
            current.contains("operation_name%5B%5D=Login&operation_name%5B%5D=UserEdit"),
            "other parameters kept: {current}"
        );
        assert_eq!(meta["previous_page"].is_null(), expected_page == 1);
        seen.extend(ids(&page));
        pages += 1;
        match meta["next_page"].as_str() {
            Some(next) => {
                assert_eq!(meta["next_page_number"], expected_page + 1);
                url = next.to_owned();
                expected_page += 1;
            }
            None => {
                assert!(meta["next_page_number"].is_null());
                break;
            }
        }
    }
    assert_eq!(pages, 6);
    assert_eq!(seen.len(), 130);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 130);
}

// ---- audit logs: filters and ordering ----

#[tokio::test]
async fn after_and_before_are_strict_by_default_and_after_can_be_inclusive() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    // Ten records in each of the seconds :00, :01, :02.
    h.seed(json!({"count": 30, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:00:03Z"}))
        .await;
    let window =
        "/api/v1/audit_logs?per_page=100&after=2024-05-01T00:00:01Z&before=2024-05-01T00:00:02Z";
    assert_eq!(
        ids(&h.page(&owner, window).await).len(),
        0,
        "strict after and before leave nothing"
    );
    let after = "/api/v1/audit_logs?per_page=100&after=2024-05-01T00:00:01Z";
    let strict = h.page(&owner, after).await;
    assert!(created(&strict).iter().all(|c| c == "2024-05-01T00:00:02Z"));
    assert_eq!(ids(&strict).len(), 10);

    h.configure(json!({"after_inclusive": true})).await;
    let inclusive = h.page(&owner, after).await;
    assert_eq!(ids(&inclusive).len(), 20);
    assert!(created(&inclusive).contains(&"2024-05-01T00:00:01Z".to_owned()));
    let offset = "/api/v1/audit_logs?per_page=100&before=2024-05-01T02:00:01%2B02:00";
    assert!(
        created(&h.page(&owner, offset).await)
            .iter()
            .all(|c| c == "2024-05-01T00:00:00Z")
    );
    let bad = h.get(&owner, "/api/v1/audit_logs?after=last-tuesday").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("'after'"));
}

#[tokio::test]
async fn newest_first_by_default_and_oldest_first_when_switched() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    h.seed(json!({"count": 50, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:00:10Z"}))
        .await;
    let newest = h.page(&owner, "/api/v1/audit_logs?per_page=50").await;
    let newest_keys: Vec<(String, u64)> = created(&newest).into_iter().zip(ids(&newest)).collect();
    let mut sorted = newest_keys.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(newest_keys, sorted, "created_at then id, descending");

    h.configure(json!({"order": "oldest_first"})).await;
    let oldest = h.page(&owner, "/api/v1/audit_logs?per_page=50").await;
    let mut reversed = ids(&newest);
    reversed.reverse();
    assert_eq!(ids(&oldest), reversed);
}

#[tokio::test]
async fn user_and_operation_filters_accept_both_list_forms() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    h.seed(json!({"count": 12, "user_ids": [7, 8, 9], "operation_names": ["Login", "UserEdit"]}))
        .await;
    let count = |page: &Value| page["meta"]["count"].as_u64().unwrap();
    assert_eq!(
        count(&h.page(&owner, "/api/v1/audit_logs?user_id=7").await),
        4
    );
    assert_eq!(
        count(
            &h.page(&owner, "/api/v1/audit_logs?user_id[]=7&user_id[]=9")
                .await
        ),
        8
    );
    assert_eq!(
        count(
            &h.page(&owner, "/api/v1/audit_logs?operation_name=Login")
                .await
        ),
        6
    );
    assert_eq!(
        count(
            &h.page(
                &owner,
                "/api/v1/audit_logs?operation_name[]=Login&operation_name[]=UserEdit"
            )
            .await
        ),
        12
    );
    assert_eq!(
        count(
            &h.page(&owner, "/api/v1/audit_logs?operation_name=login")
                .await
        ),
        0,
        "names are case-sensitive"
    );
    let both = h
        .page(
            &owner,
            "/api/v1/audit_logs?user_id[]=7&operation_name[]=Login",
        )
        .await;
    assert!(
        both["audit_logs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user_id"] == 7 && e["operation_name"] == "Login")
    );
    assert_eq!(
        h.get(&owner, "/api/v1/audit_logs?user_id=me")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

// ---- auth and permissions ----

#[tokio::test]
async fn both_auth_headers_work_and_unknown_keys_get_401() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    let url = h.url("/api/v1/info");
    let bearer = h.http.get(&url).bearer_auth(&owner).send().await.unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);
    let info: Value = bearer.json().await.unwrap();
    assert!(info["stack"]["egress_ips"].is_array() && info["stack"]["name"].is_string());
    let token = h
        .http
        .get(&url)
        .header("X-User-Token", &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::OK);
    for request in [
        h.http.get(&url),
        h.http.get(&url).bearer_auth("not-a-key"),
        h.http.get(&url).header("X-User-Email", "owner@example.com"),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert!(body["errors"][0]["message"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn personal_keys_of_inactive_users_get_401_but_service_keys_keep_working() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    let user = h
        .control(
            reqwest::Method::POST,
            "/_sim/users",
            json!({"email": "p@example.com", "admin": true}),
        )
        .await;
    let user_id = user["id"].as_u64().unwrap();
    let personal = h
        .control(
            reqwest::Method::POST,
            "/_sim/keys",
            json!({"kind": "personal", "name": "mine", "user_id": user_id}),
        )
        .await;
    let personal = personal["token"].as_str().unwrap();
    assert_eq!(
        h.get(personal, "/api/v1/info").await.status(),
        StatusCode::OK
    );

    // Deactivated through the admin API with the owner key, as a tenant owner would.
    let response = h
        .http
        .put(h.url(&format!("/api/v1/admin/users/{user_id}")))
        .bearer_auth(&owner)
        .json(&json!({"is_active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        h.get(personal, "/api/v1/info").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(h.get(&owner, "/api/v1/info").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn audit_logs_need_an_owner_or_audit_log_read_and_admin_needs_an_owner() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    let service = h.key("service", "secops-pipeline").await;
    let service_token = service["token"].as_str().unwrap();
    let service_user = service["user_id"].as_u64().unwrap();
    let team = h.key("team", "team-key").await;

    let denied = h.get(service_token, "/api/v1/audit_logs").await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert!(denied.text().await.unwrap().contains("AUDIT_LOG_READ"));
    assert_eq!(
        h.get(team["token"].as_str().unwrap(), "/api/v1/audit_logs")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.get(service_token, "/api/v1/admin/users").await.status(),
        StatusCode::FORBIDDEN
    );

    // The service-account user carries the key's name and is listed.
    let users = h.page(&owner, "/api/v1/admin/users").await;
    let listed = users["admin/users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == service_user)
        .cloned()
        .unwrap();
    assert_eq!(listed["first_name"], "secops-pipeline");
    assert_eq!(listed["tenant_permissions"], json!([]));

    let granted = h
        .http
        .put(h.url(&format!("/api/v1/admin/users/{service_user}")))
        .header("X-User-Token", &owner)
        .json(&json!({"tenant_permissions": ["AUDIT_LOG_READ"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), StatusCode::OK);
    assert_eq!(
        h.get(service_token, "/api/v1/audit_logs").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        h.get(service_token, "/api/v1/admin/users").await.status(),
        StatusCode::FORBIDDEN,
        "AUDIT_LOG_READ is not admin"
    );

    h.control(
        reqwest::Method::DELETE,
        &format!("/_sim/keys/{}", service["id"]),
        Value::Null,
    )
    .await;
    assert_eq!(
        h.get(service_token, "/api/v1/audit_logs").await.status(),
        StatusCode::UNAUTHORIZED,
        "revoked"
    );
}

// ---- admin users ----

#[tokio::test]
async fn put_replaces_tenant_permissions_only_when_present() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    let put = |id: u64, body: Value| {
        h.http
            .put(h.url(&format!("/api/v1/admin/users/{id}")))
            .bearer_auth(&owner)
            .json(&body)
            .send()
    };
    let created = h
        .http
        .post(h.url("/api/v1/admin/users"))
        .bearer_auth(&owner)
        .json(&json!({"email": "ana@example.com", "first_name": "Ana", "tenant_permissions": ["TUNNEL_MANAGE"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let user: Value = created.json().await.unwrap();
    let id = user["id"].as_u64().unwrap();
    for field in [
        "id",
        "scim_uid",
        "email",
        "admin",
        "tenant_permissions",
        "is_active",
        "created_at",
        "updated_at",
        "first_name",
        "last_name",
        "last_seen",
    ] {
        assert!(user.get(field).is_some(), "{field} missing");
    }
    assert_eq!(
        user["created_at"].as_str().unwrap().len(),
        24,
        "millisecond precision"
    );
    assert_eq!(user["is_active"], true);
    assert_eq!(user["admin"], false);

    let renamed: Value = put(id, json!({"last_name": "Lopez"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        renamed["tenant_permissions"],
        json!(["TUNNEL_MANAGE"]),
        "absent field leaves permissions alone"
    );
    let replaced: Value = put(id, json!({"tenant_permissions": ["AUDIT_LOG_READ"]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        replaced["tenant_permissions"],
        json!(["AUDIT_LOG_READ"]),
        "present field replaces the whole set"
    );
    assert_eq!(replaced["last_name"], "Lopez");
    let cleared: Value = put(id, json!({"tenant_permissions": []}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["tenant_permissions"], json!([]));

    let unknown = put(
        id,
        json!({"tenant_permissions": ["AUDIT_LOG_READ", "STORY_DELETE_ALL"]}),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let body: Value = unknown.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("STORY_DELETE_ALL"),
        "{body}"
    );
    let fetched = h.page(&owner, &format!("/api/v1/admin/users/{id}")).await;
    assert_eq!(
        fetched["tenant_permissions"],
        json!([]),
        "a rejected PUT changes nothing"
    );

    assert_eq!(
        put(999_999, json!({})).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let deleted = h
        .http
        .delete(h.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        h.get(&owner, &format!("/api/v1/admin/users/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn user_list_pages_filters_owners_and_includes_team_memberships() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    for n in 0..5 {
        h.control(
            reqwest::Method::POST,
            "/_sim/users",
            json!({"email": format!("u{n}@example.com")}),
        )
        .await;
    }
    let page = h
        .page(&owner, "/api/v1/admin/users?per_page=2&page=2")
        .await;
    assert_eq!(page["admin/users"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["meta"]["count"], 6,
        "five users plus the owner key's service account"
    );
    assert_eq!(page["meta"]["next_page_number"], 3);
    let owners = h
        .page(&owner, "/api/v1/admin/users?filter=TENANT_OWNER")
        .await;
    assert_eq!(owners["meta"]["count"], 1);
    assert_eq!(owners["admin/users"][0]["admin"], true);
    let with_teams = h
        .page(&owner, "/api/v1/admin/users?include=team_memberships")
        .await;
    assert!(with_teams["admin/users"][0]["team_memberships"].is_array());
    assert_eq!(
        h.get(&owner, "/api/v1/admin/users?filter=ADMINS")
            .await
            .status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn scim_tenants_refuse_user_changes() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    h.configure(json!({"scim_enabled": true})).await;
    let response = h
        .http
        .post(h.url("/api/v1/admin/users"))
        .bearer_auth(&owner)
        .json(&json!({"email": "x@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("SCIM"));
}

#[tokio::test]
async fn error_bodies_follow_the_selected_shape() {
    let h = Harness::start().await;
    h.configure(json!({"error_body": "errors_array"})).await;
    let body: Value = h.get("nope", "/api/v1/info").await.json().await.unwrap();
    assert!(body[0]["message"].is_string(), "{body}");
    h.configure(json!({"error_body": "text"})).await;
    let text = h.get("nope", "/api/v1/info").await.text().await.unwrap();
    assert!(text.starts_with("Unauthorized"), "{text}");
}

// ---- rate limits ----

#[tokio::test]
async fn audit_logs_allow_1000_requests_a_minute_per_key_then_429() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    let other = h.key("tenant_owner", "second").await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 0..1000 {
        let status = h
            .get(&owner, "/api/v1/audit_logs?per_page=1")
            .await
            .status();
        assert_eq!(status, StatusCode::OK, "request {n}");
    }
    let limited = h.get(&owner, "/api/v1/audit_logs?per_page=1").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(
        h.get(&other, "/api/v1/audit_logs").await.status(),
        StatusCode::OK,
        "another key has its own budget"
    );
    assert_eq!(
        h.get(&owner, "/api/v1/info").await.status(),
        StatusCode::OK,
        "other endpoints have their own budget"
    );

    h.configure(json!({"retry_after": false})).await;
    let limited = h.get(&owner, "/api/v1/audit_logs").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().get("retry-after").is_none());
}

#[tokio::test]
async fn admin_users_allow_500_requests_a_minute() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    for _ in 0..500 {
        assert_eq!(
            h.get(&owner, "/api/v1/admin/users?per_page=1")
                .await
                .status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        h.get(&owner, "/api/v1/admin/users").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

// ---- control API: seeding, arrivals, faults, stats ----

#[tokio::test]
async fn seeding_packs_records_into_shared_seconds_and_ids_list_them_all() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    let seeded = h
        .seed(json!({"count": 1000, "from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:00:00Z"}))
        .await;
    assert_eq!(seeded["count"], 1000);
    h.seed(json!({"count": 10, "from": "2024-04-01T00:00:00Z", "to": "2024-04-01T00:00:10Z"}))
        .await;
    let all = h
        .control(reqwest::Method::GET, "/_sim/events/ids", Value::Null)
        .await;
    assert_eq!(all["count"], 1010);
    let window = h
        .control(
            reqwest::Method::GET,
            "/_sim/events/ids?after=2024-04-30T00:00:00Z",
            Value::Null,
        )
        .await;
    assert_eq!(window["count"], 1000);
    let one_second = h
        .page(
            &owner,
            "/api/v1/audit_logs?per_page=500&after=2024-04-30T00:00:00Z",
        )
        .await;
    assert_eq!(one_second["meta"]["count"], 1000);
    assert!(
        created(&one_second)
            .iter()
            .all(|c| c == "2024-05-01T00:00:00Z")
    );
    let first_id = seeded["first_id"].as_u64().unwrap();
    assert_eq!(window["ids"][0], first_id);
    assert_eq!(
        all["ids"][0].as_u64().unwrap(),
        seeded["last_id"].as_u64().unwrap() + 1,
        "older records listed first"
    );

    let bad = h
        .http
        .post(h.url("/_sim/events"))
        .json(&json!({"count": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad = h
        .http
        .post(h.url("/_sim/events"))
        .json(&json!({"count": 1, "since": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn arrivals_keep_coming_until_stopped() {
    let h = Harness::start().await;
    h.control(
        reqwest::Method::PUT,
        "/_sim/events/stream",
        json!({"rate_per_second": 200}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let running = h
        .control(reqwest::Method::GET, "/_sim/events/ids", Value::Null)
        .await["count"]
        .as_u64()
        .unwrap();
    assert!(running >= 60, "{running} records after 0.6 s at 200/s");
    h.control(reqwest::Method::DELETE, "/_sim/events/stream", Value::Null)
        .await;
    tokio::time::sleep(Duration::from_millis(250)).await;
    let stopped = h
        .control(reqwest::Method::GET, "/_sim/events/ids", Value::Null)
        .await["count"]
        .as_u64()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = h
        .control(reqwest::Method::GET, "/_sim/events/ids", Value::Null)
        .await["count"]
        .as_u64()
        .unwrap();
    assert_eq!(stopped, later);
}

#[tokio::test]
async fn faults_hit_only_tines_paths_for_the_requested_count() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    h.seed(json!({"count": 40})).await;
    let faults = json!([
        {"kind": "server_error", "status": 502, "count": 2, "path_prefix": "/api/v1/audit_logs"},
        {"kind": "rate_limit", "count": 1, "retry_after_seconds": 2},
        {"kind": "truncate", "count": 1},
        {"kind": "reset", "count": 1}
    ]);
    h.control(reqwest::Method::PUT, "/_sim/faults", faults)
        .await;
    assert_eq!(
        h.get(&owner, "/api/v1/audit_logs").await.status(),
        StatusCode::BAD_GATEWAY
    );
    assert_eq!(
        h.get(&owner, "/api/v1/audit_logs").await.status(),
        StatusCode::BAD_GATEWAY
    );
    let limited = h.get(&owner, "/api/v1/audit_logs").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "2");
    let truncated = h.get(&owner, "/api/v1/audit_logs").await;
    assert_eq!(truncated.status(), StatusCode::OK);
    let text = truncated.text().await.unwrap();
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "a truncated body is not JSON"
    );
    let reset = h
        .http
        .get(h.url("/api/v1/audit_logs"))
        .bearer_auth(&owner)
        .send()
        .await;
    let failed = match reset {
        Err(_) => true,
        Ok(response) => response.bytes().await.is_err(),
    };
    assert!(failed, "a reset connection fails the request");
    assert_eq!(
        h.get(&owner, "/api/v1/audit_logs").await.status(),
        StatusCode::OK,
        "faults used up"
    );

    let stats = h
        .control(reqwest::Method::GET, "/_sim/stats", Value::Null)
        .await;
    assert_eq!(stats["requests"]["GET /api/v1/audit_logs"], 6);
    assert_eq!(stats["responses"]["502"], 2);
    assert_eq!(stats["responses"]["429"], 1);
}

#[tokio::test]
async fn latency_and_stall_delay_responses() {
    let h = Harness::start().await;
    let owner = h.owner().await;
    h.control(
        reqwest::Method::PUT,
        "/_sim/faults",
        json!([{"kind": "latency", "millis": 300, "count": 1}]),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(h.get(&owner, "/api/v1/info").await.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    h.control(
        reqwest::Method::PUT,
        "/_sim/faults",
        json!([{"kind": "stall"}]),
    )
    .await;
    let stalled = h
        .http
        .get(h.url("/api/v1/info"))
        .bearer_auth(&owner)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(stalled.unwrap_err().is_timeout());
    h.control(reqwest::Method::DELETE, "/_sim/faults", Value::Null)
        .await;
    assert_eq!(h.get(&owner, "/api/v1/info").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn control_api_rejects_bad_input_with_the_field_named() {
    let h = Harness::start().await;
    let cases = [
        (
            reqwest::Method::PUT,
            "/_sim/faults",
            json!([{"kind": "server_error", "status": 404}]),
            "status",
        ),
        (
            reqwest::Method::PUT,
            "/_sim/faults",
            json!([{"kind": "explode"}]),
            "explode",
        ),
        (
            reqwest::Method::PATCH,
            "/_sim/config",
            json!({"order": "sideways"}),
            "sideways",
        ),
        (
            reqwest::Method::POST,
            "/_sim/keys",
            json!({"kind": "personal", "name": "p"}),
            "user_id",
        ),
        (
            reqwest::Method::POST,
            "/_sim/keys",
            json!({"kind": "service", "name": "s", "user_id": 1}),
            "user_id",
        ),
        (
            reqwest::Method::POST,
            "/_sim/users",
            json!({"first_name": "no email"}),
            "email",
        ),
    ];
    for (method, path, body, needle) in cases {
        let response = h
            .http
            .request(method, h.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
        let text = response.text().await.unwrap();
        assert!(text.contains(needle), "{path}: {text}");
    }
    h.control(reqwest::Method::POST, "/_sim/reset", Value::Null)
        .await;
}
