-- The newest news applied about an organization's subscription schedule (a plan change
-- scheduled through our API, the Customer Portal or the Dashboard), so an older schedule event
-- never undoes a newer one: `<created, µs> <ended|live> <schedule id|-> <event id|->`. Rows
-- written before this migration read as "no schedule news heard of", which is what they knew.
ALTER TABLE organizations ADD COLUMN schedule_watermark text;
