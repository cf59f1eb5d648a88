// Event.daysUntil for the Event App (Node.js), batched: the resolver sets `maxBatchSize`, so
// AppSync sends one BatchInvoke per batch of events, with a list of context objects (one per
// Event, the event in `source`). The answer is a list of the same length and order; each
// item is `{ data }`, or `{ data, errorMessage, errorType }` to fail that item alone.

const DAY_MS = 24 * 60 * 60 * 1000;

export const handler = async (events) => {
  console.log(`daysUntil for ${events.length} events`);
  const today = startOfDay(new Date());
  return events.map((event) => {
    const when = event.source?.when;
    if (!when || !/^\d{4}-\d{2}-\d{2}/.test(when)) {
      return { data: null }; // free text ("Friday"): no countdown
    }
    const day = startOfDay(new Date(when.slice(0, 10)));
    if (Number.isNaN(day)) {
      return { data: null, errorMessage: `'${when}' is not a date`, errorType: "InvalidDate" };
    }
    return { data: Math.round((day - today) / DAY_MS) };
  });
};

function startOfDay(date) {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}
