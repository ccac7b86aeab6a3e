//! The images a CircleCI job runs in: its `docker:` list, or its executor's, with parameters
//! substituted as CircleCI does. A registry orb's executor is outside the repository, so its
//! images are unknown; `machine:` and `macos:` run no image.

use super::super::Image;
use super::super::yaml::{Node, Value};
use super::params::{self, Params};
use super::{Context, Orb, Scope};
use crate::ci::CiError;

impl Context<'_> {
    /// The images of a job `body`, whose parameters are `params`.
    pub(super) fn images(
        &self,
        body: &Node,
        params: &Params,
        scope: &Scope,
    ) -> Result<Vec<Image>, CiError> {
        if let Some(docker) = body.get("docker") {
            let docker = params::substitute(docker, params, self.budget)
                .map_err(self.exhausted(docker.mark))?;
            return Ok(docker_images(&docker));
        }
        let Some(executor) = body.get("executor") else {
            return Ok(Vec::new());
        };
        let executor = params::substitute(executor, params, self.budget)
            .map_err(self.exhausted(executor.mark))?;
        // `executor: name`, or `executor: {name: name, arg: value}`.
        let (name, args) = match &executor.value {
            Value::Scalar { text, .. } => (text.as_str(), None),
            Value::Map(_) => match executor.get("name").and_then(Node::as_str) {
                Some(name) => (name, Some(&executor)),
                None => return Ok(Vec::new()),
            },
            Value::Seq(_) => return Ok(Vec::new()),
        };
        let Some(definition) = self.executor(name, scope) else {
            return Ok(Vec::new());
        };
        let Some(docker) = definition.get("docker") else {
            return Ok(Vec::new());
        };
        let own = params::with_args(
            params::defaults(definition.get("parameters")),
            args,
            self.budget,
        )
        .map_err(self.exhausted(executor.mark))?;
        let docker =
            params::substitute(docker, &own, self.budget).map_err(self.exhausted(docker.mark))?;
        Ok(docker_images(&docker))
    }

    /// The executor `name` refers to from `scope`: `orb/name` in an inline orb, a bare name in
    /// the inline orb the job comes from, else in the file's `executors:`.
    fn executor(&self, name: &str, scope: &Scope) -> Option<&Node> {
        if let Some((orb, inner)) = name.split_once('/') {
            return match self.orb(orb)? {
                Orb::Inline(def) => def.get("executors")?.get(inner),
                Orb::Registry(_) => None,
            };
        }
        if let Scope::Orb(orb) = scope
            && let Some(Orb::Inline(def)) = self.orb(orb)
            && let Some(found) = def.get("executors").and_then(|e| e.get(name))
        {
            return Some(found);
        }
        self.root.get("executors")?.get(name)
    }
}

/// The `image:` of each entry of a `docker:` list: the first is the primary container, the rest
/// run beside it.
fn docker_images(docker: &Node) -> Vec<Image> {
    docker
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            let image = entry.get("image")?;
            Some(Image {
                reference: image.as_str()?.trim().to_string(),
                line: image.mark.line,
            })
        })
        .collect()
}
