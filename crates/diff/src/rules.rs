//! The catalogue: every change the diff reports is one [`Rule`], with a stable id, a
//! severity and a line a reviewer understands.

/// How much a change matters to the API's existing clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Existing clients break: the change fails the gate unless allowed.
    Breaking,
    /// Some clients may break.
    Warning,
    /// Nothing breaks; worth a line in the changelog.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! rules {
    ($($variant:ident => $id:literal, $severity:ident, $what:literal;)*) => {
        /// A kind of change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable id, as printed and as the allow-list names it.
            pub const fn id(self) -> &'static str {
                match self { $(Rule::$variant => $id),* }
            }

            pub const fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity),* }
            }

            /// Why it matters, in one line.
            pub const fn what(self) -> &'static str {
                match self { $(Rule::$variant => $what),* }
            }
        }
    };
}

rules! {
    PathRemoved => "path.removed", Breaking, "clients calling this path get 404";
    OperationRemoved => "operation.removed", Breaking, "clients calling this method get 404 or 405";
    OperationAdded => "operation.added", Info, "a new operation";
    OperationDeprecated => "operation.deprecated", Info, "announced for removal: clients should move off it";
    OperationRemovedAfterSunset => "operation.removed_after_sunset", Info, "removed on or after the date it announced (`x-sunset`): clients were told";
    ParameterRemoved => "parameter.removed", Warning, "clients still send it; the server now ignores or refuses it";
    ParameterAddedRequired => "parameter.added_required", Breaking, "existing calls do not send the new required parameter";
    ParameterAddedOptional => "parameter.added_optional", Info, "a new optional parameter";
    ParameterMoved => "parameter.moved", Breaking, "clients send the parameter where the server no longer reads it";
    ParameterMadeRequired => "parameter.made_required", Breaking, "calls that leave the parameter out are refused";
    ParameterTypeChanged => "parameter.type_changed", Breaking, "clients send values of the old type or format";
    ParameterEnumNarrowed => "parameter.enum_narrowed", Breaking, "clients may send a value no longer allowed";
    ParameterTightened => "parameter.tightened", Breaking, "values clients send may now be out of range, too long or not match the pattern";
    ParameterEnumAdded => "parameter.enum_added", Breaking, "values clients send may be outside the new list";
    ParameterDefaultChanged => "parameter.default_changed", Breaking, "calls that leave the parameter out now mean something else";
    RequestBodyMadeRequired => "request_body.made_required", Breaking, "calls without a body are refused";
    RequestBodyRemoved => "request_body.removed", Breaking, "clients send a body the operation no longer takes";
    RequestMediaTypeRemoved => "request_body.media_type_removed", Breaking, "clients send a media type the server no longer takes";
    RequestPropertyAddedRequired => "request.property_added_required", Breaking, "existing calls do not send the new required property";
    RequestPropertyMadeRequired => "request.property_made_required", Breaking, "calls that leave the property out are refused";
    RequestPropertyRemoved => "request.property_removed", Warning, "clients still send it; the server may refuse it";
    RequestTypeChanged => "request.type_changed", Breaking, "clients send values of the old type or format";
    RequestEnumNarrowed => "request.enum_narrowed", Breaking, "clients may send a value no longer allowed";
    RequestEnumAdded => "request.enum_added", Breaking, "values clients send may be outside the new list";
    RequestDefaultChanged => "request.default_changed", Breaking, "clients that leave the property out now get another value";
    RequestNullableRemoved => "request.nullable_removed", Breaking, "clients sending null are refused";
    RequestTightened => "request.tightened", Breaking, "values clients send may now be out of range, too long, too many or not match the pattern";
    RequestAlternativeRemoved => "request.alternative_removed", Breaking, "clients sending the removed shape (a oneOf/anyOf alternative) are refused";
    RequestConstraintAdded => "request.constraint_added", Breaking, "a JSON Schema constraint (contains, if/then/else, dependentRequired, patternProperties...) added or changed: values clients send may now be refused";
    RequestWrappedInOneOf => "request.wrapped_in_one_of", Breaking, "a body that matches more than one of the new alternatives is refused";
    RequestNothingAccepted => "request.nothing_accepted", Breaking, "the schema became `false`: no value clients send is accepted";
    RequestAdditionalPropertiesClosed => "request.additional_properties_closed", Breaking, "objects with other properties are now refused";
    ResponseStatusRemoved => "response.status_removed", Breaking, "clients expecting this success status get another";
    ResponseStatusAdded => "response.status_added", Info, "a newly documented status";
    ResponseMediaTypeRemoved => "response.media_type_removed", Breaking, "clients asking for this media type no longer get it";
    ResponsePropertyRemoved => "response.property_removed", Breaking, "clients reading the property find nothing";
    ResponsePropertyMadeOptional => "response.property_made_optional", Breaking, "clients relying on the property may find it missing";
    ResponsePropertyMadeNullable => "response.property_made_nullable", Breaking, "clients may receive null where they expect a value";
    ResponseTypeChanged => "response.type_changed", Breaking, "clients parse values of the old type or format";
    ResponseAlternativeAdded => "response.alternative_added", Breaking, "clients handling every known shape (a oneOf/anyOf alternative) meet a new one";
    ResponseEnumWidened => "response.enum_widened", Breaking, "clients with exhaustive enums do not know the new value";
    ResponseConstraintLoosened => "response.constraint_loosened", Breaking, "a JSON Schema constraint of the answer (contains, if/then/else, dependentRequired...) removed or changed: clients may meet values it excluded";
    ResponsePropertyAdded => "response.property_added", Info, "a new property in answers";
    ResponseHeaderRemoved => "response.header_removed", Breaking, "clients reading the header (a count, a location, a retry delay) find nothing";
    ResponseHeaderMadeOptional => "response.header_made_optional", Breaking, "clients relying on the header may find it missing";
    ResponseHeaderAdded => "response.header_added", Info, "a new header in answers";
    DiscriminatorPropertyChanged => "discriminator.property_changed", Breaking, "clients send, or tell the shapes apart by, the old property";
    RequestDiscriminatorValueRemoved => "request.discriminator_value_removed", Breaking, "clients sending the removed discriminator value (an explicit mapping key, or the name of the schema it named) are refused";
    ResponseDiscriminatorValueAdded => "response.discriminator_value_added", Breaking, "clients telling the shapes apart by the discriminator meet a value they do not know";
    StabilityDecreased => "operation.stability_decreased", Breaking, "clients relied on the promise the old level (`x-stability-level`) made";
    WebhookRemoved => "webhook.removed", Breaking, "subscribers no longer receive this event";
    SecurityChanged => "security.changed", Breaking, "calls with the old credentials are refused";
    SecurityScopeAdded => "security.scope_added", Breaking, "tokens without the new scope are refused";
    TypeCompatible => "type.compatible", Info, "the type changed, and every value clients sent before is still taken or read: a scalar query parameter made a list, a non-JSON body read as text";
    SecurityRemoved => "security.removed", Info, "the operation no longer asks for credentials";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
    }
}
