"""Operating the service: request ids on every log line (`context`, `logs`), Prometheus
metrics (`metrics`, `scrape`), the HTTP middleware that records both (`http`), the request id
carried into Celery tasks (`tasks`), open websockets (`websockets`) and the progress of long
management commands (`progress`)."""
