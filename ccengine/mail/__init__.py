"""E-mail as a channel: mailboxes per queue, messages on a ticket's thread, their
attachments, and the durable outbox every outgoing message leaves through."""
