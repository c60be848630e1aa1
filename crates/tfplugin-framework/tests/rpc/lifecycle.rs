//! Create, no-op, update, replace, refresh and destroy of `testfw_thing`.

use tfplugin_proto::ProviderServer;
use tfplugin_proto::value::Value;
use tfplugin_proto::wire::{attribute_path, plan_resource_change, read_resource};

use crate::{
    Env, THING, apply, assert_no_errors, converge, decode, encode, errors, path_of, plan, s, thing,
};

fn config(name: &str, note: &str) -> Value {
    thing(&[("name", s(name)), ("note", s(note))])
}

#[tokio::test]
async fn create_plans_computed_attributes_unknown_and_fills_them() {
    let env = Env::new().await;
    let planned = plan(&env, &Value::Null, &config("alpha", "n1")).await;
    assert_no_errors(&planned.diagnostics);
    let plan_value = decode(&planned.planned_state);
    assert!(plan_value.attribute("id").unwrap().is_unknown());
    assert!(plan_value.attribute("updated_at").unwrap().is_unknown());
    assert_eq!(plan_value.attribute("name"), Some(&s("alpha")));
    assert!(
        planned.requires_replace.is_empty(),
        "no replacement on create"
    );

    let applied = apply(&env, &Value::Null, &plan_value, &config("alpha", "n1")).await;
    assert_no_errors(&applied.diagnostics);
    let state = decode(&applied.new_state);
    assert_eq!(state.attribute("id"), Some(&s("thing-1")));
    assert!(state.is_wholly_known());
    assert_eq!(
        env.store().get("thing-1").unwrap().unwrap().note.as_deref(),
        Some("n1")
    );
}

#[tokio::test]
async fn unchanged_configuration_plans_no_change() {
    let env = Env::new().await;
    let state = converge(&env, &Value::Null, &config("alpha", "n1")).await;
    let planned = plan(&env, &state, &config("alpha", "n1")).await;
    assert_no_errors(&planned.diagnostics);
    assert_eq!(
        decode(&planned.planned_state),
        state,
        "a no-op plan equals the prior state"
    );
    assert!(planned.requires_replace.is_empty());
}

#[tokio::test]
async fn note_change_updates_in_place_keeping_the_id() {
    let env = Env::new().await;
    let state = converge(&env, &Value::Null, &config("alpha", "n1")).await;
    let planned = plan(&env, &state, &config("alpha", "n2")).await;
    assert_no_errors(&planned.diagnostics);
    let plan_value = decode(&planned.planned_state);
    assert_eq!(
        plan_value.attribute("id"),
        state.attribute("id"),
        "use_state_for_unknown keeps the id"
    );
    assert!(
        plan_value.attribute("updated_at").unwrap().is_unknown(),
        "computed and changing"
    );
    assert!(planned.requires_replace.is_empty());

    let applied = apply(&env, &state, &plan_value, &config("alpha", "n2")).await;
    assert_no_errors(&applied.diagnostics);
    let new = decode(&applied.new_state);
    assert_eq!(new.attribute("id"), state.attribute("id"));
    assert_eq!(new.attribute("note"), Some(&s("n2")));
    assert_ne!(new.attribute("updated_at"), state.attribute("updated_at"));
}

#[tokio::test]
async fn name_change_requires_replacement_of_name_only() {
    let env = Env::new().await;
    let state = converge(&env, &Value::Null, &config("alpha", "n1")).await;
    let planned = plan(&env, &state, &config("beta", "n2")).await;
    assert_no_errors(&planned.diagnostics);
    let paths: Vec<_> = planned
        .requires_replace
        .iter()
        .map(|p| p.steps.clone())
        .collect();
    assert_eq!(
        paths,
        vec![vec![attribute_path::Step {
            selector: Some(attribute_path::step::Selector::AttributeName("name".into())),
        }]],
        "only the attribute whose value differs"
    );

    // Terraform then plans the replacement's create with a null prior state: computed values unknown again.
    let create = plan(&env, &Value::Null, &config("beta", "n2")).await;
    assert!(create.requires_replace.is_empty());
    assert!(
        decode(&create.planned_state)
            .attribute("id")
            .unwrap()
            .is_unknown()
    );
}

#[tokio::test]
async fn read_returns_null_when_the_object_is_gone() {
    let env = Env::new().await;
    let state = converge(&env, &Value::Null, &config("alpha", "n1")).await;
    // Drift: someone changes the note, then deletes the thing behind Terraform's back.
    let mut remote = env.store().get("thing-1").unwrap().unwrap();
    remote.note = Some("changed".into());
    env.store().put("thing-1", remote).unwrap();
    let read = |state: &Value| {
        env.server.read_resource(read_resource::Request {
            type_name: THING.into(),
            current_state: encode(state),
            ..Default::default()
        })
    };
    let refreshed = read(&state).await.unwrap();
    assert_no_errors(&refreshed.diagnostics);
    assert_eq!(
        decode(&refreshed.new_state).attribute("note"),
        Some(&s("changed"))
    );

    env.store().delete("thing-1").unwrap();
    let gone = read(&state).await.unwrap();
    assert_no_errors(&gone.diagnostics);
    assert_eq!(decode(&gone.new_state), Value::Null);
}

#[tokio::test]
async fn destroy_plans_null_and_apply_deletes() {
    let env = Env::new().await;
    let state = converge(&env, &Value::Null, &config("alpha", "n1")).await;
    let planned = env
        .server
        .plan_resource_change(plan_resource_change::Request {
            type_name: THING.into(),
            prior_state: encode(&state),
            proposed_new_state: encode(&Value::Null),
            config: encode(&Value::Null),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_no_errors(&planned.diagnostics);
    assert_eq!(decode(&planned.planned_state), Value::Null);

    let applied = apply(&env, &state, &Value::Null, &Value::Null).await;
    assert_no_errors(&applied.diagnostics);
    assert_eq!(decode(&applied.new_state), Value::Null);
    assert_eq!(env.store().get("thing-1").unwrap(), None);
}

#[tokio::test]
async fn modify_plan_can_refuse_a_destroy() {
    let env = Env::new().await;
    let tags = Value::Map([("protect".to_owned(), s("true"))].into());
    let state = converge(
        &env,
        &Value::Null,
        &thing(&[("name", s("alpha")), ("tags", tags)]),
    )
    .await;
    let planned = env
        .server
        .plan_resource_change(plan_resource_change::Request {
            type_name: THING.into(),
            prior_state: encode(&state),
            proposed_new_state: encode(&Value::Null),
            config: encode(&Value::Null),
            ..Default::default()
        })
        .await
        .unwrap();
    let errors = errors(&planned.diagnostics);
    assert_eq!(errors.len(), 1, "{:?}", planned.diagnostics);
    assert_eq!(path_of(errors[0]), r#"tags["protect"]"#);
}
