import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create('/tmp/tn-dedupe/t10m.duckdb', { access_mode: 'READ_ONLY', threads: '2' });
const c = await inst.connect();
const W = (k) => `CAST((id_hash >> ${32 * k}) & 4294967295 AS UINTEGER)`;
const UB = `CAST(id_hash & 18446744073709551615 AS UBIGINT)`;
const n = 10_300_000;
async function viaGetItem(order) {
  const keys = new BigUint64Array(n); const w = new Uint32Array(keys.buffer); let count = 0;
  const r = await c.stream(`SELECT ${W(0)}, ${W(1)} FROM events${order ? ` ORDER BY ${UB}` : ''}`);
  for (let ch = await r.fetchChunk(); ch && ch.rowCount > 0; ch = await r.fetchChunk()) {
    const a = ch.getColumnVector(0), b = ch.getColumnVector(1);
    for (let i = 0; i < ch.rowCount; i++, count++) { w[2 * count] = a.getItem(i); w[2 * count + 1] = b.getItem(i); }
  }
  return [keys, count];
}
async function viaItems(order) {
  const keys = new BigUint64Array(n); let count = 0;
  const r = await c.stream(`SELECT ${UB} FROM events${order ? ` ORDER BY 1` : ''}`);
  for (let ch = await r.fetchChunk(); ch && ch.rowCount > 0; ch = await r.fetchChunk()) {
    keys.set(ch.getColumnVector(0).items, count); count += ch.rowCount;
  }
  return [keys, count];
}
for (let k = 0; k < 2; k++) {
  for (const [name, f, order] of [['getItem', viaGetItem, false], ['items', viaItems, false], ['getItem+ORDER', viaGetItem, true]]) {
    let t = performance.now();
    const [keys, count] = await f(order);
    const read = performance.now() - t; t = performance.now();
    if (!order) keys.subarray(0, count).sort();
    const sort = performance.now() - t;
    console.log(name, count, 'read', Math.round(read), 'sort', Math.round(sort));
  }
}
