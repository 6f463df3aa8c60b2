//! `strato autoload-credentials`: the provider's detect-credentials, run
//! with read-only access to exactly the environment variables and
//! directories it declares, once the operator agreed.

use clap::Args;
use strato_runtime::Grants;

use super::credentials::{check, schemas};
use super::prompt::Prompt;
use super::{data_help, load};
use crate::context::Context;
use crate::error::CliError;
use crate::home::clouds::{self as home_clouds, NamedCloud};
use crate::home::credentials::{Credentials, NamedCredential};
use crate::home::providers::{self, ProviderSource};
use crate::output::Output;

pub const AUTOLOAD_HELP: &str = concat!(
    "\
Each provider declares where it looks for credentials: environment variable names (EC2:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …) and directories it reads (EC2: ~/.aws). strato shows
that list and asks before granting it (read-only, for this detection only); --yes grants it
without asking, and is needed when stdin is not a terminal. What is found is saved in
credentials.yaml (mode 0600) under every cloud of the provider's type; values are never printed.

Examples:
  strato autoload-credentials
  strato autoload-credentials ec2 --yes

",
    data_help!()
);

/// `autoload-credentials` arguments.
#[derive(Args, Debug)]
pub struct AutoloadArgs {
    /// Only this cloud type's provider [default: every provider].
    pub cloud_type: Option<String>,
    /// Grant the access the provider asks for without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Replace saved credentials of the same names.
    #[arg(long)]
    pub replace: bool,
}

/// `strato autoload-credentials`.
pub async fn autoload(args: AutoloadArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let sources = match &args.cloud_type {
        Some(t) => vec![providers::resolve(&ctx.home, t)?],
        None => providers::all(&ctx.home)?,
    };
    let clouds = home_clouds::all(&ctx.home)?;
    let mut prompt = Prompt::new();
    let mut saved = 0;
    for source in sources {
        let targets: Vec<&NamedCloud> = clouds
            .iter()
            .filter(|c| c.def.cloud_type == source.name)
            .collect();
        if targets.is_empty() {
            out.say(format!(
                "{}: no cloud of this type (add one with `strato add-cloud`); skipped",
                source.name
            ));
            continue;
        }
        saved += detect_for(&source, &targets, &args, &mut prompt, out, ctx).await?;
    }
    if saved == 0 {
        out.say("no credentials saved");
    }
    Ok(())
}

/// Detects with `source` and saves what it finds under `targets`; the
/// number of credentials saved.
async fn detect_for(
    source: &ProviderSource,
    targets: &[&NamedCloud],
    args: &AutoloadArgs,
    prompt: &mut Prompt,
    out: &Output,
    ctx: &Context,
) -> Result<usize, CliError> {
    let component = load::component(ctx, source).await?;
    let declared = &component.info().declared;
    let name = &source.name;
    if declared.env.is_empty() && declared.read.is_empty() {
        out.say(format!(
            "{name}: looks for credentials without any host access"
        ));
    } else {
        out.say(format!(
            "{name}: to look for credentials, the provider asks to read (read-only):"
        ));
        if !declared.env.is_empty() {
            out.say(format!(
                "  environment variables: {}",
                declared.env.join(", ")
            ));
        }
        if !declared.read.is_empty() {
            out.say(format!("  directories: {}", declared.read.join(", ")));
        }
        let granted = if args.yes {
            true
        } else if prompt.interactive() {
            prompt.confirm(&format!("Grant this to {name}"))?
        } else {
            return Err(CliError::bad_input(format!(
                "{name} needs access granted to detect credentials and stdin is not a terminal"
            ))
            .hint("pass --yes to grant it"));
        };
        if !granted {
            out.say(format!("{name}: not granted; skipped"));
            return Ok(0);
        }
    }
    let mut grants: Grants = ctx.grants_for(name, &source.sha256());
    grants.env = declared.env.clone();
    grants.read = declared.read.clone();
    let provider = component
        .instantiate(grants)
        .await
        .map_err(|e| CliError::failure(format!("provider {name}: {e}")))?;
    let found = match provider.detect_credentials().await {
        Ok(found) => found,
        Err(e) if e.is_not_found() => {
            out.say(format!("{name}: no credentials found"));
            return Ok(0);
        }
        Err(e) => {
            return Err(CliError::failure(format!(
                "provider {name}: detect-credentials: {e}"
            )));
        }
    };
    if found.auth_credentials.is_empty() {
        out.say(format!("{name}: no credentials found"));
        return Ok(0);
    }
    let mut creds = Credentials::load(&ctx.home)?;
    let mut saved = 0;
    for cloud in targets {
        let schemas = schemas(ctx, cloud).await;
        let existing: Vec<NamedCredential> = creds.of(&cloud.name);
        for (cred_name, cred) in &found.auth_credentials {
            let named = NamedCredential {
                name: cred_name.clone(),
                auth_type: cred.auth_type.clone(),
                attributes: cred.attributes.iter().cloned().collect(),
            };
            if let Err(e) = check(cloud, schemas.as_deref(), &named) {
                out.say(format!("{name}: {e}; not saved"));
                continue;
            }
            match existing.iter().find(|c| c.name == named.name) {
                Some(same) if *same == named => {
                    out.say(format!(
                        "credential {} for cloud {}: already saved",
                        named.name, cloud.name
                    ));
                    continue;
                }
                Some(_) if !args.replace => {
                    out.say(format!(
                        "credential {} for cloud {}: a different one of that name is saved; \
                         kept (pass --replace to replace it)",
                        named.name, cloud.name
                    ));
                    continue;
                }
                _ => {}
            }
            creds.put(&cloud.name, &named);
            saved += 1;
            let label = if cred.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", cred.label)
            };
            out.result(format!(
                "credential {}{label} saved for cloud {} (auth type {})",
                named.name, cloud.name, named.auth_type
            ));
        }
        let default_ok = |n: &str| found.auth_credentials.iter().any(|(c, _)| c == n);
        if !found.default_credential.is_empty()
            && default_ok(&found.default_credential)
            && creds.setting(&cloud.name, "default-credential").is_none()
        {
            creds.set_setting(&cloud.name, "default-credential", &found.default_credential);
        }
        if !found.default_region.is_empty()
            && creds.setting(&cloud.name, "default-region").is_none()
            && cloud
                .def
                .regions
                .names()
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&found.default_region))
        {
            creds.set_setting(&cloud.name, "default-region", &found.default_region);
        }
    }
    creds.save(&ctx.home)?;
    Ok(saved)
}
