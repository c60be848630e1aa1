//! The plan against the configuration.

use super::{Body, attr, element_path, elements, lookup, same};
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::schema::Nesting;
use crate::server::display::show;
use crate::value::Value;

/// Checks a finished plan the way Terraform will (`AssertPlanValid`): what the configuration sets must be
/// planned as configured (or as it already is in state). Errors name the attribute and say it is a
/// provider bug, which it is: the plan came from a plan modifier or the resource's ModifyPlan.
pub(crate) fn check_plan(
    body: Body<'_>,
    path: &AttrPath,
    config: &Value,
    prior: &Value,
    planned: &Value,
    sensitive: bool,
    diags: &mut Diagnostics,
) {
    for (name, a) in body.attributes {
        let (cfg, pri, pla) = (attr(config, name), attr(prior, name), attr(planned, name));
        let here = path.clone().attribute(name.as_str());
        let sensitive = sensitive || a.sensitive;
        // Write-only attributes are planned null by the framework itself, whatever the configuration says.
        if a.write_only || (a.computed && cfg.is_null()) {
            continue;
        }
        if let Some((nesting, inner)) = a.nested_attributes()
            && !cfg.is_null()
            && !cfg.is_unknown()
            && !pla.is_null()
            && !pla.is_unknown()
            && nesting != Nesting::Set
        {
            // Nested objects can hold computed attributes of their own: check them attribute by attribute.
            let (cfg_elems, pla_elems) = (elements(nesting, cfg), elements(nesting, pla));
            if cfg_elems.len() != pla_elems.len() {
                plan_error(diags, &here, cfg, pla, sensitive);
                continue;
            }
            for (key, element) in pla_elems {
                check_plan(
                    Body::nested(inner),
                    &element_path(&here, nesting, &key),
                    lookup(cfg, &key),
                    lookup(pri, &key),
                    element,
                    sensitive,
                    diags,
                );
            }
            continue;
        }
        let follows_config = same(pla, cfg);
        let keeps_prior = !cfg.is_null() && !pri.is_null() && !cfg.is_unknown() && same(pla, pri);
        if !follows_config && !keeps_prior {
            plan_error(diags, &here, cfg, pla, sensitive);
        }
    }
    for (name, nested) in body.blocks {
        let here = path.clone().attribute(name.as_str());
        let (cfg, pri, pla) = (attr(config, name), attr(prior, name), attr(planned, name));
        if nested.nesting == Nesting::Set {
            continue;
        }
        let (cfg_elems, pla_elems) = (elements(nested.nesting, cfg), elements(nested.nesting, pla));
        if cfg_elems.len() != pla_elems.len() {
            diags.attribute_error(
                here.clone(),
                "Provider produced an invalid plan",
                format!(
                    "The plan has {} {name} blocks but the configuration has {}. Blocks must be planned as configured. This is a bug in the provider.",
                    pla_elems.len(),
                    cfg_elems.len()
                ),
            );
            continue;
        }
        for (key, element) in pla_elems {
            check_plan(
                Body::of(&nested.block),
                &element_path(&here, nested.nesting, &key),
                lookup(cfg, &key),
                lookup(pri, &key),
                element,
                sensitive,
                diags,
            );
        }
    }
}

fn plan_error(
    diags: &mut Diagnostics,
    path: &AttrPath,
    config: &Value,
    planned: &Value,
    sensitive: bool,
) {
    let (planned, config) = if sensitive {
        (
            "(sensitive value)".to_owned(),
            "(sensitive value)".to_owned(),
        )
    } else {
        (show(planned), show(config))
    };
    diags.attribute_error(
        path.clone(),
        "Provider produced an invalid plan",
        format!(
            "The plan sets {path} to {planned}, but the configuration says {config}. A value the configuration sets must be planned as configured \
             (mark the attribute computed if the provider decides it). This is a bug in the provider.",
        ),
    );
}
