//! Events and service checks on the wire: the exact DogStatsD `_e{..}` and `_sc|..` datagrams,
//! with the exporter's tags, received on a loopback socket through the metrics pipeline.

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::time::{Duration, UNIX_EPOCH};

use dd_instrument::metrics::{AlertType, Counter, Event, Priority, SendError, ServiceCheck, Status};
use dd_instrument::{DogStatsdAddr, MetricsExporter, TracesExporter};

static DEPLOYS: Counter = Counter::new("events.deploys");

#[test]
fn events_and_checks_leave_with_the_next_flush_in_order_after_the_metrics() {
    assert_eq!(Event::new("early", "").send(), Err(SendError::NoExporter), "nothing runs yet");

    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = socket.local_addr().unwrap().port();
    let guard = dd_instrument::builder()
        .env_source(BTreeMap::new())
        .service("shop")
        .env("test")
        .traces_exporter(TracesExporter::None)
        .metrics_exporter(MetricsExporter::DogStatsd)
        .dogstatsd(DogStatsdAddr::Udp { host: "127.0.0.1".into(), port })
        .flush_interval(Duration::from_hours(1))
        .build()
        .unwrap();

    Event::new("Deployed shop 1.4.2", "Rolled out to eu-west-1.\nAll green.")
        .timestamp(UNIX_EPOCH + Duration::from_hours(490_176))
        .hostname("web-1")
        .aggregation_key("deploy-shop")
        .priority(Priority::Normal)
        .source_type_name("deploy")
        .alert_type(AlertType::Success)
        .tags(&[("git.commit.sha", "9F2C1E7")])
        .send()
        .unwrap();
    DEPLOYS.increment();
    ServiceCheck::new("shop.database.can_connect", Status::Critical)
        .hostname("web-1")
        .tags(&[("db", "orders")])
        .message("connection refused | db-1:5432\nretrying")
        .send()
        .unwrap();
    assert!(guard.flush());

    let mut buf = [0u8; 2048];
    let n = socket.recv(&mut buf).unwrap();
    assert_eq!(
        std::str::from_utf8(&buf[..n]).unwrap(),
        "events.deploys:1|c|#env:test,service:shop\n\
         _e{19,36}:Deployed shop 1.4.2|Rolled out to eu-west-1.\\nAll green.|d:1764633600|h:web-1|k:deploy-shop\
         |p:normal|s:deploy|t:success|#env:test,service:shop,git.commit.sha:9f2c1e7\n\
         _sc|shop.database.can_connect|2|h:web-1|#env:test,service:shop,db:orders\
         |m:connection refused | db-1:5432\\nretrying"
    );

    // Sent once: the next flush has nothing.
    assert!(guard.flush());
    socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    assert!(socket.recv(&mut buf).is_err(), "nothing more was sent");

    // The queue is bounded; what does not fit is refused, not lost silently.
    let mut refused = 0;
    for i in 0..dd_instrument::metrics::QUEUE_CAPACITY + 3 {
        if Event::new(format!("e{i}"), "").send() == Err(SendError::QueueFull) {
            refused += 1;
        }
    }
    assert_eq!(refused, 3);
    drop(guard);
}
