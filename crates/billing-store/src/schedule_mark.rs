//! The schedule watermark as one text column: `<created, µs> <ended|live> <schedule id|-> <event id|->`.

use billing_core::ids::{StripeEventId, StripeScheduleId};
use billing_core::state::ScheduleWatermark;

use crate::error::CodecError;
use crate::time::{from_micros, to_micros};

const COLUMN: &str = "schedule_watermark";

/// The text stored for `mark`. Identifiers never contain spaces, and `-` is no identifier.
pub fn encode_schedule_mark(mark: &ScheduleWatermark) -> String {
    let ended = if mark.ended { "ended" } else { "live" };
    let schedule = mark.schedule_id.as_ref().map_or("-", |s| s.as_str());
    let event = mark.event_id.as_ref().map_or("-", |e| e.as_str());
    format!("{} {ended} {schedule} {event}", to_micros(mark.created))
}

/// Reads back what [`encode_schedule_mark`] wrote.
///
/// # Errors
/// [`CodecError`] when the text does not have four valid parts.
pub fn decode_schedule_mark(raw: &str) -> Result<ScheduleWatermark, CodecError> {
    let bad = || CodecError::bad(COLUMN, raw);
    let [micros, ended, schedule, event] = raw.split(' ').collect::<Vec<_>>()[..] else { return Err(bad()) };
    let ended = match ended {
        "ended" => true,
        "live" => false,
        _ => return Err(bad()),
    };
    let optional = |part: &str| (part != "-").then(|| part.to_owned());
    Ok(ScheduleWatermark {
        schedule_id: optional(schedule).map(StripeScheduleId::parse).transpose().map_err(|_| bad())?,
        ended,
        created: from_micros(micros.parse().map_err(|_| bad())?)?,
        event_id: optional(event).map(StripeEventId::parse).transpose().map_err(|_| bad())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_watermark_round_trips_with_and_without_its_ids() {
        let full = ScheduleWatermark {
            schedule_id: StripeScheduleId::parse("sub_sched_1").ok(),
            ended: true,
            created: from_micros(1_769_904_040_000_001).unwrap(),
            event_id: StripeEventId::parse("evt_1").ok(),
        };
        let bare = ScheduleWatermark { schedule_id: None, ended: false, event_id: None, ..full.clone() };
        assert_eq!(encode_schedule_mark(&full), "1769904040000001 ended sub_sched_1 evt_1");
        assert_eq!(encode_schedule_mark(&bare), "1769904040000001 live - -");
        for mark in [full, bare] {
            assert_eq!(decode_schedule_mark(&encode_schedule_mark(&mark)).ok(), Some(mark));
        }
    }

    #[test]
    fn a_schedule_watermark_the_domain_would_never_write_is_refused() {
        for raw in [
            "",
            "1 live -",
            "1 live - - x",
            "soon live - -",
            "1 maybe - -",
            "1 live sub_1 -",
            "1 live - cus_1",
            "9223372036854775807 live - -",
        ] {
            assert!(decode_schedule_mark(raw).is_err(), "{raw:?}");
        }
    }
}
