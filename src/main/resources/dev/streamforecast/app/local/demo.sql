-- The script `forecaster sql --demo` runs (docs/sql.md explains each part): the bundled sample (four
-- hourly series) and four malformed records on the topic 'observations' of an embedded Kafka broker,
-- forecast by FORECAST into the topic 'forecasts', and read back from it as the forecasts are
-- committed. ${bootstrap} is that broker.

SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '1s';

-- one JSON record per event: {"key": "sensor-load", "ts": 1704067200000, "value": 61.2}
CREATE TABLE observations (
  `key` STRING,
  ts BIGINT,
  `value` DOUBLE
) WITH (
  'connector' = 'kafka',
  'topic' = 'observations',
  'properties.bootstrap.servers' = '${bootstrap}',
  'properties.group.id' = 'forecaster-sql-demo',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',   -- the demo's input ends; a live job leaves this out
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'      -- a field that does not parse is NULL: FORECAST refuses the row
);

CREATE TABLE forecasts (
  `key` STRING,
  ts TIMESTAMP_LTZ(3),
  `value` DOUBLE,
  forecast DOUBLE,
  `lower` DOUBLE,
  `upper` DOUBLE,
  events BIGINT,
  updates BIGINT,
  `model` STRING,
  refusal STRING,
  reason STRING,
  steps ARRAY<ROW<h INT, ts TIMESTAMP_LTZ(3), forecast DOUBLE, `lower` DOUBLE, `upper` DOUBLE>>,
  anomaly DOUBLE,
  anomalous BOOLEAN,
  anomaly_status STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'forecasts',
  'properties.bootstrap.servers' = '${bootstrap}',
  'sink.delivery-guarantee' = 'exactly-once',
  'sink.transactional-id-prefix' = 'forecaster-sql-demo',
  'properties.transaction.timeout.ms' = '60000',
  'key.format' = 'raw',
  'key.fields' = 'key',
  'value.format' = 'json'
);

CREATE FUNCTION forecast AS 'dev.streamforecast.sql.ForecastTableFunction';

INSERT INTO forecasts
SELECT `key`, ts, `value`, forecast, `lower`, `upper`, events, updates, `model`, refusal, reason, steps, anomaly,
  anomalous, anomaly_status
FROM forecast(
  input => TABLE observations PARTITION BY `key`,
  time_column => 'ts',
  value_column => 'value',
  config => MAP['events.max-out-of-orderness', '0s'],
  uid => 'forecast-v1');

-- every 250th forecast of each series, and every refusal, as they are committed to 'forecasts'
CREATE TABLE committed WITH (
  'properties.group.id' = 'forecaster-sql-demo-reader',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'earliest-offset'
) LIKE forecasts;

SELECT `key`, ts, `value`, forecast, `lower`, `upper`, events, updates, refusal, reason
FROM committed
WHERE MOD(events, 250) = 0 OR refusal IS NOT NULL;
