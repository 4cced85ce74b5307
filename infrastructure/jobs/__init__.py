"""Running background jobs in this process: queues, workers, locks and the jobs' tables.

- `system`: `JobSystem`, the queue this process sends to and, where it runs jobs, its
  workers and the maintenance schedule;
- `dramatiq_queue`: jobs on a broker (RabbitMQ or Redis), one actor per kind;
- `table_queue`: the embedded queue, jobs as rows run by threads here;
- `locks`: locks that keep two workers off the same job;
- `state_tables`: the tables the jobs keep and every query on them.
"""
