//! Schema-directed passes over values: the rules Terraform core enforces, applied by the framework so that
//! a resource cannot break them by accident. Each pass walks a block's attributes and nested blocks and
//! recurses into nested attributes and block elements, pairing each element with the matching element of
//! the other values (same index for lists and sets, same key for maps).

use std::collections::BTreeMap;

use super::display::show;
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::plan_modifier::{PlanModifierRequest, PlanModifierResponse};
use crate::schema::{Attribute, AttributeKind, Block, NestedBlock, Nesting, Schema};
use crate::validator::ValidateRequest;
use crate::value::{Value, conform};

static NULL: Value = Value::Null;
static NO_BLOCKS: BTreeMap<String, NestedBlock> = BTreeMap::new();

/// The attributes and nested blocks of one object: a block, or the object type of a nested attribute.
#[derive(Clone, Copy)]
pub(crate) struct Body<'s> {
    attributes: &'s BTreeMap<String, Attribute>,
    blocks: &'s BTreeMap<String, NestedBlock>,
}

impl<'s> Body<'s> {
    pub(crate) fn of(block: &'s Block) -> Body<'s> {
        Body {
            attributes: &block.attributes,
            blocks: &block.blocks,
        }
    }

    /// True when attribute `name` hides its value: sensitive or write-only.
    fn is_sensitive(&self, name: &str) -> bool {
        self.attributes
            .get(name)
            .is_some_and(|a| a.sensitive || a.write_only)
    }

    fn nested(attributes: &'s BTreeMap<String, Attribute>) -> Body<'s> {
        Body {
            attributes,
            blocks: &NO_BLOCKS,
        }
    }
}

/// Which element of a nested value: the object itself (single nesting), a list or set position, a map key.
enum Key {
    Same,
    Index(usize),
    Name(String),
}

fn attr<'v>(object: &'v Value, name: &str) -> &'v Value {
    object.attribute(name).unwrap_or(&NULL)
}

fn elements(nesting: Nesting, value: &Value) -> Vec<(Key, &Value)> {
    match (nesting, value) {
        (Nesting::Single, v @ Value::Object(_)) => vec![(Key::Same, v)],
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Key::Index(i), v))
            .collect(),
        (Nesting::Map, Value::Map(items)) => items
            .iter()
            .map(|(k, v)| (Key::Name(k.clone()), v))
            .collect(),
        _ => Vec::new(),
    }
}

fn elements_mut(nesting: Nesting, value: &mut Value) -> Vec<(Key, &mut Value)> {
    match (nesting, value) {
        (Nesting::Single, v @ Value::Object(_)) => vec![(Key::Same, v)],
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => items
            .iter_mut()
            .enumerate()
            .map(|(i, v)| (Key::Index(i), v))
            .collect(),
        (Nesting::Map, Value::Map(items)) => items
            .iter_mut()
            .map(|(k, v)| (Key::Name(k.clone()), v))
            .collect(),
        _ => Vec::new(),
    }
}

fn lookup<'v>(value: &'v Value, key: &Key) -> &'v Value {
    match (key, value) {
        (Key::Same, v) => v,
        (Key::Index(i), Value::List(items) | Value::Set(items)) => items.get(*i).unwrap_or(&NULL),
        (Key::Name(k), Value::Map(items)) => items.get(k).unwrap_or(&NULL),
        _ => &NULL,
    }
}

/// The path of an element. The protocol has no step for set elements, so paths stop at the set.
fn element_path(path: &AttrPath, nesting: Nesting, key: &Key) -> AttrPath {
    match (key, nesting) {
        (Key::Same, _) | (Key::Index(_), Nesting::Set) => path.clone(),
        (Key::Index(i), _) => path.clone().index(*i as u64),
        (Key::Name(k), _) => path.clone().key(k.as_str()),
    }
}

/// The nested parts of a body: nested attributes and blocks, with how their objects are held.
fn nested_parts<'s>(body: Body<'s>) -> impl Iterator<Item = (&'s String, Nesting, Body<'s>)> {
    let attributes = body.attributes.iter().filter_map(|(name, a)| {
        a.nested_attributes()
            .map(|(nesting, inner)| (name, nesting, Body::nested(inner)))
    });
    let blocks = body
        .blocks
        .iter()
        .map(|(name, b)| (name, b.nesting, Body::of(&b.block)));
    attributes.chain(blocks)
}

/// Where the configuration leaves an attribute with a default out, plans the default.
pub(crate) fn apply_defaults(body: Body<'_>, config: &Value, plan: &mut Value) {
    let Value::Object(planned) = plan else { return };
    for (name, a) in body.attributes {
        let Some(Ok(default)) = &a.default else {
            continue;
        };
        if !attr(config, name).is_null() {
            continue;
        }
        // The schema check proved the default fits; a default that does not is reported there.
        if let (Some(slot), Ok(v)) = (
            planned.get_mut(name),
            conform(default.clone(), &a.value_type(), &AttrPath::root()),
        ) {
            *slot = v;
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        let config = attr(config, name);
        if let Some(slot) = planned.get_mut(name) {
            for (key, element) in elements_mut(nesting, slot) {
                apply_defaults(inner, lookup(config, &key), element);
            }
        }
    }
}

/// Nulls every write-only attribute: Terraform requires them null in plans and state.
pub(crate) fn null_write_only(body: Body<'_>, value: &mut Value) {
    let Value::Object(attributes) = value else {
        return;
    };
    for (name, a) in body.attributes {
        if a.write_only
            && let Some(slot) = attributes.get_mut(name)
        {
            *slot = Value::Null;
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        if let Some(slot) = attributes.get_mut(name) {
            for (_, element) in elements_mut(nesting, slot) {
                null_write_only(inner, element);
            }
        }
    }
}

/// Marks computed attributes the configuration leaves out (and that have no default) as unknown: the
/// provider decides their values during apply. Only called when the plan changes something.
pub(crate) fn mark_computed_unknown(body: Body<'_>, config: &Value, plan: &mut Value) {
    let Value::Object(planned) = plan else { return };
    let mut marked = Vec::new();
    for (name, a) in body.attributes {
        if a.computed && a.default.is_none() && attr(config, name).is_null() {
            if let Some(slot) = planned.get_mut(name) {
                *slot = Value::unknown();
            }
            marked.push(name);
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        if marked.contains(&name) {
            continue;
        }
        let config = attr(config, name);
        if let Some(slot) = planned.get_mut(name) {
            for (key, element) in elements_mut(nesting, slot) {
                mark_computed_unknown(inner, lookup(config, &key), element);
            }
        }
    }
}

/// What running the attributes' plan modifiers produced.
pub(crate) struct Modified {
    pub(crate) requires_replace: Vec<AttrPath>,
    pub(crate) diagnostics: Diagnostics,
}

/// Runs every attribute's plan modifiers, outer attributes before the attributes nested in them.
pub(crate) fn run_plan_modifiers(
    body: Body<'_>,
    path: &AttrPath,
    config: &Value,
    prior: &Value,
    plan: &mut Value,
    creating: bool,
    out: &mut Modified,
) {
    let Value::Object(planned) = plan else { return };
    for (name, a) in body.attributes {
        if a.plan_modifiers.is_empty() {
            continue;
        }
        let Some(slot) = planned.get_mut(name) else {
            continue;
        };
        let here = path.clone().attribute(name.as_str());
        let mut response = PlanModifierResponse {
            plan: slot.clone(),
            requires_replace: false,
            diagnostics: Diagnostics::new(),
        };
        for modifier in &a.plan_modifiers {
            let current = response.plan.clone();
            let request = PlanModifierRequest {
                path: &here,
                config: attr(config, name),
                state: attr(prior, name),
                plan: &current,
                creating,
            };
            modifier.modify(&request, &mut response);
        }
        *slot = response.plan;
        if response.requires_replace {
            out.requires_replace.push(here);
        }
        out.diagnostics.extend(response.diagnostics);
    }
    for (name, nesting, inner) in nested_parts(body) {
        let here = path.clone().attribute(name.as_str());
        let (config, prior) = (attr(config, name), attr(prior, name));
        if let Some(slot) = planned.get_mut(name) {
            for (key, element) in elements_mut(nesting, slot) {
                run_plan_modifiers(
                    inner,
                    &element_path(&here, nesting, &key),
                    lookup(config, &key),
                    lookup(prior, &key),
                    element,
                    creating,
                    out,
                );
            }
        }
    }
}

/// Checks a configuration: deprecations, write-only support, whole numbers for int64 attributes, and the
/// attributes' validators on known, non-null values.
pub(crate) fn validate(
    body: Body<'_>,
    path: &AttrPath,
    config: &Value,
    root: &Value,
    write_only_allowed: bool,
    sensitive: bool,
    diags: &mut Diagnostics,
) {
    for (name, a) in body.attributes {
        let value = attr(config, name);
        if value.is_null() {
            continue;
        }
        let here = path.clone().attribute(name.as_str());
        let sensitive = sensitive || a.sensitive || a.write_only;
        if let Some(message) = &a.deprecation_message {
            diags.attribute_warning(here.clone(), "Attribute deprecated", message.clone());
        }
        if a.write_only && !write_only_allowed {
            diags.attribute_error(
                here.clone(),
                "Write-only attribute not supported",
                format!(
                    "{here} is write-only: Terraform passes its value to the provider without storing it in plan or state. \
                     Write-only attributes need Terraform 1.11 or later, and this Terraform does not support them. \
                     Upgrade Terraform, or remove {here} from the configuration."
                ),
            );
        }
        if value.is_unknown() {
            continue;
        }
        if is_int64(a) && value.as_number().and_then(|n| n.as_i64()).is_none() {
            diags.attribute_error(
                here.clone(),
                "Invalid attribute value",
                format!(
                    "{here} must be a whole number between {} and {}, got {}.",
                    i64::MIN,
                    i64::MAX,
                    if sensitive {
                        "(sensitive value)".to_owned()
                    } else {
                        show(value)
                    }
                ),
            );
            continue;
        }
        for validator in &a.validators {
            validator.validate(
                &ValidateRequest {
                    path: &here,
                    value,
                    config: root,
                    sensitive,
                },
                diags,
            );
        }
    }
    for (name, nested) in body.blocks {
        let value = attr(config, name);
        let present = match value {
            Value::List(items) | Value::Set(items) => !items.is_empty(),
            v => !v.is_null(),
        };
        if present && let Some(message) = &nested.block.deprecation_message {
            diags.attribute_warning(
                path.clone().attribute(name.as_str()),
                "Block deprecated",
                message.clone(),
            );
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        let here = path.clone().attribute(name.as_str());
        let sensitive = sensitive || body.is_sensitive(name);
        for (key, element) in elements(nesting, attr(config, name)) {
            validate(
                inner,
                &element_path(&here, nesting, &key),
                element,
                root,
                write_only_allowed,
                sensitive,
                diags,
            );
        }
    }
}

fn is_int64(a: &Attribute) -> bool {
    matches!(a.kind, AttributeKind::Int64)
}

/// Equality for plan checks: unknowns match unknowns whatever their refinements, sets ignore order.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Unknown(_), Value::Unknown(_)) => true,
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len()
                && x.iter().all(|a| y.iter().any(|b| same(a, b)))
                && y.iter().all(|b| x.iter().any(|a| same(a, b)))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, a)| y.get(k).is_some_and(|b| same(a, b)))
        }
        (Value::Dynamic(tx, x), Value::Dynamic(ty, y)) => tx == ty && same(x, y),
        _ => a == b,
    }
}

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

/// Checks that a state returned by create or update keeps every value that was known in the plan, as
/// Terraform requires (`AssertObjectCompatible`), and says which attribute broke the rule. Values of
/// sensitive attributes are not shown.
pub(crate) fn check_apply_result(
    schema: &Schema,
    path: &AttrPath,
    planned: &Value,
    new: &Value,
    diags: &mut Diagnostics,
) {
    let mismatch = |diags: &mut Diagnostics| {
        let (was, now) = if is_sensitive(schema, path) {
            (
                "(sensitive value)".to_owned(),
                "(sensitive value)".to_owned(),
            )
        } else {
            (show(planned), show(new))
        };
        diags.attribute_error(
            path.clone(),
            "Provider produced inconsistent result after apply",
            format!(
                "The plan said {path} would be {was}, but the provider returned {now}. A value known in the plan must not change during apply; \
                 if the remote system decides it, the attribute must be computed and planned as unknown. This is a bug in the provider."
            ),
        );
    };
    match (planned, new) {
        (Value::Unknown(refinements), new) => {
            let broken = (refinements.not_null && new.is_null())
                || matches!((&refinements.string_prefix, new), (Some(prefix), Value::String(s)) if !s.starts_with(prefix.as_str()));
            if broken {
                mismatch(diags);
            }
        }
        (Value::Object(p), Value::Object(n)) => {
            for (name, pv) in p {
                let nv = n.get(name).unwrap_or(&NULL);
                check_apply_result(
                    schema,
                    &path.clone().attribute(name.as_str()),
                    pv,
                    nv,
                    diags,
                );
            }
        }
        (Value::Map(p), Value::Map(n))
            if p.len() == n.len() && p.keys().all(|k| n.contains_key(k)) =>
        {
            for (key, pv) in p {
                check_apply_result(schema, &path.clone().key(key.as_str()), pv, &n[key], diags);
            }
        }
        (Value::List(p), Value::List(n)) | (Value::Tuple(p), Value::Tuple(n))
            if p.len() == n.len() =>
        {
            for (i, (pv, nv)) in p.iter().zip(n).enumerate() {
                check_apply_result(schema, &path.clone().index(i as u64), pv, nv, diags);
            }
        }
        // With unknowns inside, set elements cannot be paired up; Terraform is lenient there too.
        (Value::Set(p), Value::Set(_)) if !p.iter().all(Value::is_wholly_known) => {}
        (Value::Dynamic(pt, pv), Value::Dynamic(nt, nv)) if pt == nt => {
            check_apply_result(schema, path, pv, nv, diags);
        }
        (planned, new) if planned == new => {}
        _ => mismatch(diags),
    }
}

/// True when the attribute at `path`, or one it is nested in, is sensitive.
fn is_sensitive(schema: &Schema, path: &AttrPath) -> bool {
    let steps = path.steps();
    (1..=steps.len()).any(|n| {
        let prefix = AttrPath::from_steps(steps[..n].to_vec());
        schema.attribute_at(&prefix).is_some_and(|a| a.sensitive)
    })
}

/// Every path under `path` where `value` is unknown.
pub(crate) fn unknown_paths(value: &Value, path: &AttrPath, out: &mut Vec<AttrPath>) {
    match value {
        Value::Unknown(_) => out.push(path.clone()),
        Value::Object(items) => {
            for (k, v) in items {
                unknown_paths(v, &path.clone().attribute(k.as_str()), out);
            }
        }
        Value::Map(items) => {
            for (k, v) in items {
                unknown_paths(v, &path.clone().key(k.as_str()), out);
            }
        }
        Value::List(items) | Value::Tuple(items) => {
            for (i, v) in items.iter().enumerate() {
                unknown_paths(v, &path.clone().index(i as u64), out);
            }
        }
        Value::Set(items) => {
            for v in items {
                unknown_paths(v, path, out);
            }
        }
        Value::Dynamic(_, v) => unknown_paths(v, path, out),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Replaces unknowns with nulls, as Terraform does with a result that should have been wholly known.
pub(crate) fn unknown_as_null(value: &mut Value) {
    match value {
        Value::Unknown(_) => *value = Value::Null,
        Value::Object(items) | Value::Map(items) => items.values_mut().for_each(unknown_as_null),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter_mut().for_each(unknown_as_null)
        }
        Value::Dynamic(_, v) => unknown_as_null(v),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Reports unknown values in a result that must be wholly known (after apply, read or import) and nulls
/// them, so Terraform stores what is known and shows the provider's message rather than its own.
pub(crate) fn require_known(value: &mut Value, what: &str, diags: &mut Diagnostics) {
    let mut unknown = Vec::new();
    unknown_paths(value, &AttrPath::root(), &mut unknown);
    for path in unknown {
        diags.attribute_error(
            path.clone(),
            format!("Provider returned an unknown value after {what}"),
            format!(
                "{path} is still unknown after {what}; every value must be known by then. The resource must set it. This is a bug in the provider."
            ),
        );
    }
    unknown_as_null(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;
    use crate::validator;

    #[test]
    fn messages_never_show_sensitive_values() {
        let schema = Schema::new()
            .attribute(
                "token",
                Attribute::string()
                    .optional()
                    .sensitive()
                    .validator(validator::one_of(["a"])),
            )
            .attribute(
                "creds",
                Attribute::single_nested([(
                    "key",
                    Attribute::string()
                        .optional()
                        .validator(validator::regex_matches("^k", "starts with k")),
                )])
                .optional()
                .sensitive(),
            );
        let config = Value::Object(BTreeMap::from([
            ("token".to_owned(), Value::String("hunter2".into())),
            (
                "creds".to_owned(),
                Value::Object(BTreeMap::from([(
                    "key".to_owned(),
                    Value::String("hunter3".into()),
                )])),
            ),
        ]));
        let mut diags = Diagnostics::new();
        validate(
            Body::of(schema.body()),
            &AttrPath::root(),
            &config,
            &config,
            true,
            false,
            &mut diags,
        );
        assert_eq!(diags.len(), 2, "{diags}");
        let text = diags.to_string();
        assert!(!text.contains("hunter"), "{text}");
    }

    #[test]
    fn apply_check_points_at_the_changed_element() {
        let schema = Schema::new().attribute(
            "tags",
            Attribute::map(crate::value::Type::String).optional(),
        );
        let tags = |v: &str| {
            Value::Object(BTreeMap::from([(
                "tags".to_owned(),
                Value::Map(BTreeMap::from([(
                    "env".to_owned(),
                    Value::String(v.into()),
                )])),
            )]))
        };
        let mut diags = Diagnostics::new();
        check_apply_result(
            &schema,
            &AttrPath::root(),
            &tags("prod"),
            &tags("dev"),
            &mut diags,
        );
        assert_eq!(diags.len(), 1);
        assert_eq!(
            diags.iter().next().unwrap().path,
            Some(AttrPath::attr("tags").key("env"))
        );
    }
}
