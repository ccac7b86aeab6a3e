//! Owners from the organization's custom repository properties: one paginated listing for all
//! repositories (`GET /orgs/{org}/properties/values`), never a request per repository.

use std::collections::HashMap;

use serde_json::Value;

use super::{Client, GitHubError, pages};

/// Each repository's owners as the property `name` says (a string, or each value of a
/// multi-select), by repository name in lower case.
pub async fn from_property(
    client: &Client,
    org: &str,
    name: &str,
) -> Result<HashMap<String, Vec<String>>, GitHubError> {
    let first = client.rest_url(&format!("/orgs/{org}/properties/values?per_page=100"));
    let on_status = |status: u16, message: &str| match status {
        403 | 404 => GitHubError::Status {
            status,
            message: format!(
                "{message} (reading custom property values needs the organization's \
                 \"Custom properties\" read permission)"
            ),
        },
        _ => GitHubError::Status {
            status,
            message: message.to_string(),
        },
    };
    let items = pages::all(client, first, "repository property values", &on_status).await?;
    let mut out = HashMap::new();
    for item in items {
        let Some(repo) = item.get("repository_name").and_then(Value::as_str) else {
            continue;
        };
        let properties = item.get("properties").and_then(Value::as_array);
        let value = properties
            .into_iter()
            .flatten()
            .find(|p| p.get("property_name").and_then(Value::as_str) == Some(name))
            .and_then(|p| p.get("value"));
        let owners: Vec<String> = match value {
            Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
            Some(Value::Array(values)) => values
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        out.insert(repo.to_ascii_lowercase(), owners);
    }
    Ok(out)
}
