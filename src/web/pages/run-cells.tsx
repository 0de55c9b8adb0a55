import type { Execution } from '../../domain/execution.js';
import { Duration, Time } from '../components.js';

/** The last two cells of a run's row in every list of runs: how long it took, when it was queued. */
export function RunTimeCells(props: { execution: Execution; now: Date }) {
  const e = props.execution;
  return (
    <>
      <td class="hide-narrow">
        <Duration from={e.startDate} to={e.finishDate} now={props.now} />
      </td>
      <td>
        <Time at={e.createdAt} />
      </td>
    </>
  );
}
