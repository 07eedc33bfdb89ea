-- The newest fact applied about each of an organization's most recent invoices.
--
-- A fact about an invoice older than one already applied about it is stale (a payment failure
-- delivered after the payment that settled the invoice), and a subscription snapshot older than
-- such a fact is settled by reading Stripe. Each element is `<invoice id> <created, µs>` with
-- ` <subscription id>` when known; the domain keeps the last ten. Rows written before this
-- migration read as "no invoice heard of", which is what they knew.
ALTER TABLE organizations ADD COLUMN invoice_watermarks text[] NOT NULL DEFAULT '{}';
