/** One declared `drives:` edge of the metric hierarchy: `from` should move `to`. */
export interface DrivesEdge {
  from: string;
  to: string;
}
