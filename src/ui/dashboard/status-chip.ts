import { h, type ComponentChild } from 'preact';
import { statusLabel } from './format';

/** One colour per status (see styles.css); the enum value stays machine-readable in `data-status`. */
export function StatusChip(props: { status: string; testId?: string; small?: boolean }): ComponentChild {
  const slug = props.status.toLowerCase().replace(/_/g, '-');
  return h(
    'span',
    {
      class: `chip chip-${slug}${props.small ? ' chip-small' : ''}`,
      'data-testid': props.testId,
      'data-status': props.status,
    },
    h('span', { class: 'chip-dot', 'aria-hidden': 'true' }),
    statusLabel(props.status),
  );
}
