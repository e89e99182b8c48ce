import type { LiveEvent } from '@tributary/contracts';
import { ActionButton } from '@/components/action-button';
import { transitionEvent } from './actions';

/** The moves an event's state allows: scheduled → live → ended, scheduled → cancelled. */
export function EventTransitions({ event }: { event: Pick<LiveEvent, 'id' | 'state' | 'title'> }) {
  if (event.state === 'scheduled') {
    return (
      <span className="row">
        <ActionButton
          action={transitionEvent.bind(null, event.id, 'live')}
          label="Go live"
          variant="primary"
          size="small"
        />
        <ActionButton
          action={transitionEvent.bind(null, event.id, 'cancelled')}
          label="Cancel"
          size="small"
          confirm={`Cancel "${event.title}"?`}
        />
      </span>
    );
  }
  if (event.state === 'live') {
    return (
      <ActionButton
        action={transitionEvent.bind(null, event.id, 'ended')}
        label="End"
        variant="danger"
        size="small"
        confirm={`End "${event.title}"? It cannot go live again.`}
      />
    );
  }
  return null;
}
