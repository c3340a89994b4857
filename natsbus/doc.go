// Package natsbus is the fan-out bus for crisis alerts, on NATS JetStream.
//
// When an alert is published, the alert service publishes one fan-out task
// per batch of recipients (a geohash cell with its subscription ids, one
// platform, one WebSub hub…) on a subject vigie.fanout.<channel>.<shard>
// (see [FanoutSubject]). Workers consume the tasks of one channel, deliver,
// and settle each task: acknowledged, retried later, or given up.
//
// The same [Bus] works in both deployments:
//   - embedded (the default): [StartEmbedded] runs nats-server inside the
//     process with JetStream on local files, reached through an in-process
//     connection, so it opens no port unless asked to;
//   - scale-out: [Connect] reaches an external NATS cluster
//     (vigie serve --nats nats://…), where streams use three replicas.
//
// # Guarantees and their limits
//
// Tasks are delivered at least once, across crashes of workers and of the
// server. Exactly-once delivery to a subscriber is not the bus's job: the
// caller keeps the durable record of what was delivered to whom in its
// database and checks it before sending, so a redelivered task skips the
// recipients it already reached. The bus makes redeliveries rare:
//
//   - Publishing is deduplicated: [Bus.Publish] requires a message id
//     (Nats-Msg-Id) and JetStream stores a second publication with the same
//     id, within the stream's duplicate window (10 minutes by default),
//     only once. A publisher that restarts in the middle of a fan-out can
//     therefore publish all of its tasks again. Past the window, the
//     caller's record is what prevents double sends.
//   - A task is acknowledged only after its handler succeeded, and the
//     acknowledgement waits for the server's confirmation (a "double ack"),
//     so a task reported acknowledged is not redelivered after an orderly
//     restart. After a hard crash of the server (kill -9, power loss), the
//     acknowledgements of its last moments may be lost, since the file store
//     writes consumer state asynchronously; those tasks come back once.
//   - A long handler is kept alive with "in progress" signals, so it is not
//     redelivered to another worker while it is still working.
//
// # Why a work-queue stream
//
// The stream uses WorkQueue retention rather than Limits retention with
// durable consumers. A fan-out task is work owned by exactly one group of
// workers (one durable consumer per channel), not an event for several
// readers: with WorkQueue, an acknowledged task is deleted, so the stream
// holds only the backlog and its size is the lag to watch, and the server
// refuses a second consumer whose filter overlaps an existing one, which
// would otherwise deliver the same tasks twice. What Limits retention would
// add (replay, several independent readers) belongs to the durable record
// in the database and to the audit log. The stream discards new messages
// when it is full, so a publisher gets an error and retries instead of the
// oldest unsent tasks being dropped silently.
//
// # Hop timestamps
//
// Every hop of an alert is timestamped. The caller's timestamps travel in
// headers named Vigie-Hop-<Name> ([SetHop], [HopTime], [Hops]);
// [Bus.Publish] adds Vigie-Hop-Published if the caller did not; a consumed
// [Msg] also carries the time JetStream stored it (server clock) and the
// time the worker received it.
package natsbus
