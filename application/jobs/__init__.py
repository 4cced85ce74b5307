"""Background jobs: which there are, what queues them, and what each does.

- `kinds`: the kinds of job and one job's identity (its key, from the event that made it);
- `ports`: the queue, the locks and the jobs' state, as the infrastructure provides them
  (`infrastructure.jobs`: a dramatiq broker or the embedded table queue, and the SQL);
- `policy`: `JobPolicy`, a follower of the event log that queues the job each event needs;
- `handlers`: `JobHandlers`, the table from job kind to handler, and one module per handler
  (`link_mail_job`, `upload_notice_job`, `link_expiry_job`).
"""
