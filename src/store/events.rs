//! The event log: Graphite's annotations (`id, when, what, data, tags`), kept in time order in a
//! bounded in-memory log that is part of the snapshot. Owns the capacity rule (the oldest events
//! make room for new ones, and that is counted) and tag matching as graphite-web's
//! `Event.find_events` does it. Knows nothing of HTTP or JSON.

use std::collections::VecDeque;
use std::fmt;

/// Events kept at most. A deploy marker a minute for more than two months; graphite-web's SQL
/// table is unbounded, but an appliance with a fixed budget must say where it stops.
pub const MAX_EVENTS: usize = 100_000;
/// Text bytes (what + data + tags) of one event. Deploy notes and changelogs fit; it also keeps
/// every snapshot record of an event well under the snapshot's record limit (64 KiB).
pub const MAX_EVENT_TEXT: usize = 32 << 10;
/// Tags on one event; past this a tag list is a mistake (a whole document split on spaces).
pub const MAX_EVENT_TAGS: usize = 256;
/// Text bytes of the whole log: with `MAX_EVENTS` this bounds its memory (about 32 MiB of text
/// plus ~90 bytes of bookkeeping an event) whatever mix of sizes arrives.
pub const MAX_LOG_TEXT: usize = 32 << 20;

/// One annotation. `when` is whole unix seconds. `tags` is graphite-web's tag string as
/// given (a list is joined with spaces): it is shown split on whitespace ([`Event::shown_tags`])
/// but matched by the tag names django-tagging parses from it ([`Event::tag_names`]), which
/// differ when it holds commas or quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: u64,
    pub when: i64,
    pub what: String,
    pub data: String,
    pub tags: String,
    names: Vec<String>,
}

impl Event {
    pub(super) fn new(id: u64, when: i64, what: String, data: String, tags: String) -> Event {
        let names = tag_names(&tags);
        Event {
            id,
            when,
            what,
            data,
            tags,
            names,
        }
    }

    /// The tags as `/events/get_data` lists them: Python's `str.split()`.
    pub fn shown_tags(&self) -> impl Iterator<Item = &str> {
        self.tags.split_whitespace()
    }

    /// The names tag queries match against, sorted and unique.
    pub fn tag_names(&self) -> &[String] {
        &self.names
    }

    fn text_len(&self) -> usize {
        self.what.len() + self.data.len() + self.tags.len()
    }
}

/// django-tagging's `parse_tag_input`: without commas or double quotes, words split on single
/// spaces; a quoted run is one name; otherwise the unquoted parts split on commas if there is
/// an unquoted comma, else on spaces. Names are stripped, non-empty, sorted, unique.
fn tag_names(input: &str) -> Vec<String> {
    let strip = |w: &str| w.trim().to_string();
    let split = |chunk: &str, delimiter: char, out: &mut Vec<String>| {
        out.extend(chunk.split(delimiter).map(strip).filter(|w| !w.is_empty()));
    };
    let mut words = Vec::new();
    if !input.contains([',', '"']) {
        split(input, ' ', &mut words);
    } else {
        let mut unquoted: Vec<&str> = Vec::new();
        let mut loose_comma = false;
        let mut rest = input;
        while let Some(open) = rest.find('"') {
            let before = &rest[..open];
            loose_comma |= before.contains(',');
            if !before.is_empty() {
                unquoted.push(before);
            }
            let after = &rest[open + 1..];
            match after.find('"') {
                Some(close) => {
                    let word = after[..close].trim();
                    if !word.is_empty() {
                        words.push(word.to_string());
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    // An unclosed quote: the rest is unquoted text after all.
                    loose_comma |= after.contains(',');
                    if !after.is_empty() {
                        unquoted.push(after);
                    }
                    rest = "";
                }
            }
        }
        loose_comma |= rest.contains(',');
        if !rest.is_empty() {
            unquoted.push(rest);
        }
        let delimiter = if loose_comma { ',' } else { ' ' };
        for chunk in unquoted {
            split(chunk, delimiter, &mut words);
        }
    }
    words.sort();
    words.dedup();
    words
}

/// Why an event was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    /// One event's text is over [`MAX_EVENT_TEXT`] bytes.
    TooLarge { bytes: usize },
    /// More than [`MAX_EVENT_TAGS`] tags.
    TooManyTags { count: usize },
    /// The log is full and the new event is older than every event kept, so it would be the
    /// first to go.
    OlderThanFullLog { oldest: i64 },
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::TooLarge { bytes } => write!(
                f,
                "event too large: {bytes} bytes of what, data and tags; pencil keeps at most \
                 {MAX_EVENT_TEXT} bytes an event"
            ),
            EventError::TooManyTags { count } => write!(
                f,
                "event has {count} tags; pencil keeps at most {MAX_EVENT_TAGS} an event"
            ),
            EventError::OlderThanFullLog { oldest } => write!(
                f,
                "the event log is full ({MAX_EVENTS} events or {MAX_LOG_TEXT} bytes) and this \
                 event is older than the oldest one kept (when {oldest}), so it would be dropped \
                 at once"
            ),
        }
    }
}

/// How `tags` select events (graphite-web's `set` parameter of `/events/get_data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagMatch {
    /// The event carries every tag (the default, django-tagging's `with_all`; `intersection`
    /// post-filters to the same thing).
    All,
    /// The event carries at least one of them (`union`).
    Any,
}

/// Events sorted by `(when, id)`, so time ranges are two binary searches.
#[derive(Debug)]
pub struct EventLog {
    events: VecDeque<Event>,
    next_id: u64,
    text_bytes: usize,
    /// Events evicted to make room, since start (not persisted: a counter for /health).
    dropped: u64,
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog::new()
    }
}

impl EventLog {
    pub fn new() -> EventLog {
        EventLog {
            // Reserved, not touched: the pages are mapped as events arrive.
            events: VecDeque::with_capacity(MAX_EVENTS),
            next_id: 1,
            text_bytes: 0,
            dropped: 0,
        }
    }

    /// Adds an event and returns its id (ids count up from 1 and are never reused). When the
    /// log is full the oldest events (by `when`) are dropped and counted.
    pub fn add(
        &mut self,
        when: i64,
        what: String,
        data: String,
        tags: String,
    ) -> Result<u64, EventError> {
        let event = Event::new(self.next_id, when, what, data, tags);
        self.check(&event)?;
        let id = event.id;
        self.insert(event)?;
        self.next_id += 1;
        Ok(id)
    }

    /// The log a snapshot held: its events in any order, and the id counter. `Err` names what
    /// is inconsistent.
    pub(super) fn restored(mut events: Vec<Event>, next_id: u64) -> Result<EventLog, String> {
        let mut log = EventLog::new();
        events.sort_unstable_by_key(|e| e.id);
        for pair in events.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(format!("event id {} appears twice", pair[0].id));
            }
        }
        if let Some(bad) = events.iter().find(|e| e.id == 0 || e.id >= next_id) {
            return Err(format!(
                "event id {} is not below the next id {next_id}",
                bad.id
            ));
        }
        log.next_id = next_id;
        events.sort_unstable_by_key(|e| (e.when, e.id));
        for event in events {
            log.check(&event)
                .map_err(|e| format!("event {}: {e}", event.id))?;
            log.insert(event).map_err(|e| e.to_string())?;
        }
        Ok(log)
    }

    /// The id the next event gets; snapshots keep it so ids are not reused after a restart
    /// even when the newest ids were evicted.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events evicted because the log was full, since start.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Every event, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        self.events.iter()
    }

    /// Events with `from <= when <= until`, oldest first (both ends inclusive, as graphite-web's
    /// `when__gte` / `when__lte`).
    pub fn range(&self, from: i64, until: i64) -> impl Iterator<Item = &Event> {
        let start = self.events.partition_point(|e| e.when < from);
        let end = self.events.partition_point(|e| e.when <= until).max(start);
        self.events.range(start..end)
    }

    /// Events in `[from, until]` selected by tags as `/events/get_data` does. `None` = no `tags`
    /// parameter: every event. An empty list (a blank `tags=`) matches nothing, as in Graphite.
    pub fn select<'a>(
        &'a self,
        from: i64,
        until: i64,
        tags: Option<&'a [String]>,
        how: TagMatch,
    ) -> impl Iterator<Item = &'a Event> + 'a {
        self.range(from, until)
            .filter(move |e| tags.is_none_or(|want| matches(e, want, how)))
    }

    pub fn get(&self, id: u64) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
    }

    fn check(&self, event: &Event) -> Result<(), EventError> {
        let bytes = event.text_len();
        if bytes > MAX_EVENT_TEXT {
            return Err(EventError::TooLarge { bytes });
        }
        let count = event.shown_tags().count().max(event.names.len());
        if count > MAX_EVENT_TAGS {
            return Err(EventError::TooManyTags { count });
        }
        Ok(())
    }

    fn insert(&mut self, event: Event) -> Result<(), EventError> {
        let bytes = event.text_len();
        let key = (event.when, event.id);
        while self.events.len() >= MAX_EVENTS || self.text_bytes + bytes > MAX_LOG_TEXT {
            let Some(oldest) = self.events.front() else {
                break;
            };
            if (oldest.when, oldest.id) > key {
                return Err(EventError::OlderThanFullLog {
                    oldest: oldest.when,
                });
            }
            if let Some(gone) = self.events.pop_front() {
                self.text_bytes -= gone.text_len();
                self.dropped += 1;
            }
        }
        let at = self.events.partition_point(|e| (e.when, e.id) < key);
        self.events.insert(at, event);
        self.text_bytes += bytes;
        Ok(())
    }
}

fn matches(event: &Event, want: &[String], how: TagMatch) -> bool {
    if want.is_empty() {
        return false;
    }
    let has = |t: &String| event.names.binary_search(t).is_ok();
    match how {
        TagMatch::All => want.iter().all(has),
        TagMatch::Any => want.iter().any(has),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(events: &[(i64, &str)]) -> EventLog {
        let mut log = EventLog::new();
        for (i, &(when, t)) in events.iter().enumerate() {
            log.add(when, format!("e{i}"), String::new(), t.to_string())
                .expect("fits");
        }
        log
    }

    macro_rules! names {
        ($input:expr => [$($name:expr),*]) => {
            assert_eq!(tag_names($input), vec![$($name.to_string()),*] as Vec<String>, "input {:?}", $input)
        };
    }

    #[test]
    fn tag_names_as_django_tagging() {
        names!("" => []);
        names!("b a b" => ["a", "b"]);
        names!("a  b " => ["a", "b"]);
        names!("a\tb" => ["a\tb"]);
        names!("evt,comma  spaces" => ["comma  spaces", "evt"]);
        names!("a, b ,,c" => ["a", "b", "c"]);
        names!("\"a b\" c" => ["a b", "c"]);
        names!("\"a b\", c d" => ["a b", "c d"]);
        names!("x \"unclosed, y" => ["unclosed", "x", "y"]);
        names!("x \"unclosed y" => ["unclosed", "x", "y"]);
        names!("\"\" a" => ["a"]);
    }

    fn ids<'a>(it: impl Iterator<Item = &'a Event>) -> Vec<u64> {
        it.map(|e| e.id).collect()
    }

    #[test]
    fn kept_in_time_order_with_ids_in_arrival_order() {
        let l = log(&[(300, "a"), (100, "a b"), (200, "b"), (100, "c")]);
        assert_eq!(ids(l.iter()), vec![2, 4, 3, 1]);
        assert_eq!(ids(l.range(100, 200)), vec![2, 4, 3]);
        assert_eq!(ids(l.range(101, 299)), vec![3]);
        assert_eq!(ids(l.range(301, 400)), Vec::<u64>::new());
        assert_eq!(ids(l.range(400, 0)), Vec::<u64>::new());
        assert_eq!(l.get(3).map(|e| e.when), Some(200));
        assert_eq!(l.get(9), None);
    }

    macro_rules! select {
        ($tags:expr, $how:expr => $want:expr) => {{
            let l = log(&[(1, "evt a"), (2, "evt b"), (3, "EVT Mixed"), (4, "")]);
            let t: Option<Vec<String>> =
                $tags.map(|t: &str| t.split_whitespace().map(str::to_string).collect());
            let got = ids(l.select(0, 10, t.as_deref(), $how));
            assert_eq!(got, $want, "tags {:?} {:?}", $tags, $how);
        }};
    }

    #[test]
    fn tag_selection_as_graphite() {
        use TagMatch::*;
        select!(None::<&str>, All => vec![1, 2, 3, 4]);
        select!(Some("evt"), All => vec![1, 2]);
        select!(Some("EVT"), All => vec![3]);
        select!(Some("mixed"), All => Vec::<u64>::new());
        select!(Some("evt a"), All => vec![1]);
        select!(Some("a b"), Any => vec![1, 2]);
        select!(Some("a zzz"), Any => vec![1]);
        select!(Some("evt zzz"), All => Vec::<u64>::new());
        select!(Some(""), All => Vec::<u64>::new());
        select!(Some(""), Any => Vec::<u64>::new());
    }

    #[test]
    fn per_event_limits() {
        let mut l = EventLog::new();
        let big = "x".repeat(MAX_EVENT_TEXT);
        assert_eq!(
            l.add(1, big.clone(), "y".into(), String::new()),
            Err(EventError::TooLarge {
                bytes: MAX_EVENT_TEXT + 1
            })
        );
        assert_eq!(l.add(1, big, String::new(), String::new()), Ok(1));
        let many = "t ".repeat(MAX_EVENT_TAGS + 1);
        assert!(matches!(
            l.add(1, "w".into(), String::new(), many),
            Err(EventError::TooManyTags { .. })
        ));
        // A refused event uses no id.
        assert_eq!(l.add(2, "w".into(), String::new(), String::new()), Ok(2));
    }

    #[test]
    fn a_full_log_drops_the_oldest_and_counts() {
        let mut l = EventLog::new();
        for i in 0..MAX_EVENTS as i64 {
            l.add(1000 + i, String::new(), String::new(), String::new())
                .expect("fits");
        }
        assert_eq!((l.len(), l.dropped()), (MAX_EVENTS, 0));
        let id = l
            .add(5_000_000, "new".into(), String::new(), String::new())
            .expect("evicts");
        assert_eq!((l.len(), l.dropped()), (MAX_EVENTS, 1));
        assert_eq!(l.iter().next().map(|e| e.when), Some(1001));
        assert_eq!(l.iter().last().map(|e| e.id), Some(id));
        assert_eq!(
            l.add(5, "ancient".into(), String::new(), String::new()),
            Err(EventError::OlderThanFullLog { oldest: 1001 })
        );
        assert_eq!(l.len(), MAX_EVENTS);
    }

    #[test]
    fn the_text_budget_is_a_limit_too() {
        let mut l = EventLog::new();
        let chunk = "d".repeat(MAX_EVENT_TEXT);
        let fit = MAX_LOG_TEXT / MAX_EVENT_TEXT;
        for i in 0..fit as i64 {
            l.add(i, String::new(), chunk.clone(), String::new())
                .expect("fits");
        }
        assert_eq!(l.dropped(), 0);
        l.add(fit as i64, String::new(), chunk, String::new())
            .expect("evicts");
        assert_eq!((l.len(), l.dropped()), (fit, 1));
    }

    #[test]
    fn restore_keeps_ids_and_refuses_damage() {
        let e = |id, when| Event::new(id, when, "w".to_string(), String::new(), String::new());
        let mut l = EventLog::restored(vec![e(7, 10), e(3, 5)], 9).expect("ok");
        assert_eq!(ids(l.iter()), vec![3, 7]);
        assert_eq!(l.add(1, "n".into(), String::new(), String::new()), Ok(9));
        let err = EventLog::restored(vec![e(7, 10), e(3, 5), e(7, 1)], 9).unwrap_err();
        assert!(err.contains("twice"), "{err}");
        assert!(EventLog::restored(vec![e(0, 1)], 9).is_err());
        assert!(EventLog::restored(vec![e(9, 1)], 9).is_err());
    }
}
