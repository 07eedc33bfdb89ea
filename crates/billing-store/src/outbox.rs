//! Claimed outbox rows, sorted into notices to deliver and rows that do not decode.

use billing_core::ports::{OutboxClaim, OutboxItem, RepositoryError, UndecodableNotice};

/// Sorts claimed `rows`, each read by `item`, into notices to deliver and undecodable rows with
/// what was wrong, both by id. Only a row whose id cannot be read fails the claim, because
/// without its id it cannot be set aside.
///
/// # Errors
/// [`RepositoryError`] when `id` fails for a row that does not decode.
pub fn sort_claimed_outbox<R>(
    rows: &[R],
    id: impl Fn(&R) -> Result<i64, RepositoryError>,
    item: impl Fn(&R) -> Result<OutboxItem, RepositoryError>,
) -> Result<OutboxClaim, RepositoryError> {
    let mut claim = OutboxClaim::default();
    for row in rows {
        match item(row) {
            Ok(item) => claim.items.push(item),
            Err(error) => {
                let id = id(row)?;
                let reason = with_causes(&error);
                tracing::error!(outbox_id = id, error = %reason, "an outbox row does not decode as a notice");
                claim.undecodable.push(UndecodableNotice { id, reason });
            }
        }
    }
    claim.items.sort_by_key(|i| i.id);
    claim.undecodable.sort_by_key(|u| u.id);
    Ok(claim)
}

/// The error and every cause under it, since the outermost message alone ("stored JSON does
/// not decode") does not tell the operator what to fix.
fn with_causes(error: &RepositoryError) -> String {
    match error {
        RepositoryError::Unknown(inner) => format!("{inner:#}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use billing_core::ids::OrgId;
    use billing_core::Notice;

    use super::*;
    use crate::error::CodecError;

    fn item(id: i64) -> OutboxItem {
        OutboxItem { id, org_id: OrgId::parse("org_1").unwrap(), notice: Notice::PaymentActionRequired, attempts: 0 }
    }

    #[test]
    fn a_row_that_does_not_decode_is_set_aside_with_the_whole_cause_and_the_rest_are_kept() {
        let rows: Vec<i64> = vec![3, 2, 1];
        let claim = sort_claimed_outbox(
            &rows,
            |id| Ok(*id),
            |id| match id {
                2 => Err(CodecError::from(serde_json::from_str::<u8>("nope").unwrap_err()).into()),
                _ => Ok(item(*id)),
            },
        );
        let claim = claim.unwrap();
        assert_eq!(claim.items, [item(1), item(3)]);
        assert_eq!(claim.undecodable.len(), 1);
        assert_eq!(claim.undecodable[0].id, 2);
        assert!(claim.undecodable[0].reason.starts_with("stored JSON does not decode: expected ident"), "{}", claim.undecodable[0].reason);
    }
}
