//! A parallel map over a slice, in order, on scoped threads; what the replay needs and no more.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The stack of every thread that parses or applies SQL. An expression nests as deep as its
/// source says (`1 + 1 + ...` in a default, parentheses in a check), and sqlparser, the
/// normalisation and the drop of the tree all recurse over it: the stack, not the input, must
/// set the limit, beyond what the databases accept (PostgreSQL applies a chain of 5,000 terms).
/// Only the pages a replay touches are ever mapped.
pub(crate) const STACK: usize = 512 << 20;

/// How deep sqlparser may nest (its default, 50, refuses expressions every database accepts).
pub(crate) const NESTING: usize = 20_000;

/// Runs `f` on a thread with a [`STACK`]-sized stack.
pub(crate) fn deep<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| spawn(scope, f).join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
}

/// A scoped thread with a [`STACK`]-sized stack.
fn spawn<'scope, R: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() -> R + Send + 'scope,
) -> std::thread::ScopedJoinHandle<'scope, R> {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn_scoped(scope, f)
        .unwrap_or_else(|e| panic!("cannot start a thread for the replay: {e}"))
}

/// `items.iter().map(f).collect()`, spread over the available cores for large inputs. Threads
/// take items one at a time, so uneven items (a big `CREATE TABLE`, a one-line `ALTER`) still
/// keep every core busy.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    const SMALL: usize = 64;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || items.len() < SMALL {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                spawn(scope, move || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break out };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Produces `produce(item)` for every item on worker threads while the calling thread consumes
/// the results strictly in order; the first error from `consume` stops the workers and is
/// returned. For the replay: parsing (parallel) overlaps applying (sequential, in history order).
/// The workers stay a few items ahead of the consumer, never more: a long history's parsed
/// statements would otherwise pile up in memory whenever applying is the slower half.
pub(crate) fn pipeline<T: Sync, R: Send, E>(
    items: &[T],
    produce: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(&T, R) -> Result<(), E>,
) -> Result<(), E> {
    const SMALL: usize = 64;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || items.len() < SMALL {
        return items.iter().try_for_each(|i| consume(i, produce(i)));
    }
    let next = AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (produce, next, stop) = (&produce, &next, &stop);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, R)>(threads * 4);
        for _ in 0..threads {
            let tx = tx.clone();
            spawn(scope, move || {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if tx.send((i, produce(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting: std::collections::BTreeMap<usize, R> = std::collections::BTreeMap::new();
        let mut expected = 0;
        let result = (|| {
            for (i, r) in rx.iter() {
                waiting.insert(i, r);
                while let Some(r) = waiting.remove(&expected) {
                    consume(&items[expected], r)?;
                    expected += 1;
                }
            }
            Ok(())
        })();
        stop.store(true, Ordering::Relaxed);
        result
    })
}
