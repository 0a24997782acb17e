// Package mailer composes outgoing mail with go-mail, records it in the
// store's outbox and sends it through a small pool of reused SMTP connections.
//
// Compose and Render are pure (no I/O). Enqueue records rendered messages,
// state queued, in one transaction before anything is sent; it is
// idempotent per batch and recipient. New validates and does no network I/O;
// Drain and Run talk SMTP.
//
// Delivery guarantee. A message is claimed (state sending) in a committed
// transaction before its SMTP transaction starts, and its result (sent,
// retry with a backoff time, failed with the server's reply) is committed
// after. A worker does not send the final "." of a message until the result
// of its previous message is committed. So after a crash (kill -9, power
// loss) the only messages that can be delivered twice are those the server
// had accepted but whose result was not yet committed: at most one per
// connection, Options.Concurrency in all. At the next start they are found
// in sending, queued again and re-sent with the same bytes and Message-ID,
// so a recipient's client shows one message. Everything else in sending had
// not reached its final "." and was never delivered.
//
// Replies: 4xx and dropped connections are retried with exponential backoff
// and jitter up to Options.MaxAttempts; 5xx replies fail permanently. A
// message with several recipients is sent to all of them or to none: if the
// server refuses one, the message fails (or is retried) as a whole.
package mailer
