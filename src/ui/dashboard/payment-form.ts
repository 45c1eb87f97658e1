import { h, type ComponentChild } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type Partner } from './api-client';
import type { ApiPayment } from './dashboard-state';
import { shortId } from './format';
import { currencyChoices, formatMinor, parseAmount, sumMinor } from './money-format';
import { readOnlyNote, type OperatorFormProps } from './operator-form';
import { errorToast } from './toasts';

interface LineDraft {
  key: number;
  reference: string;
  amount: string;
  description: string;
}

const CURRENCIES = currencyChoices();

/**
 * New payment: partner, currency and commission lines. Amounts are typed as decimals and converted
 * to minor units by exact string arithmetic before anything is sent.
 */
export function PaymentForm(
  props: OperatorFormProps & {
    partners: readonly Partner[];
    onCreated: (p: ApiPayment) => void;
  },
): ComponentChild {
  const seq = useRef(1);
  const newLine = (): LineDraft => ({ key: seq.current++, reference: '', amount: '', description: '' });
  const [partnerId, setPartnerId] = useState('');
  const [currency, setCurrency] = useState('COP');
  const [lines, setLines] = useState<LineDraft[]>(() => [newLine()]);
  const [touched, setTouched] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  // One key per intended payment: a double click or a retry after a timeout names the same payment.
  const idempotencyKey = useRef<string | undefined>(undefined);
  const formRef = useRef<HTMLFormElement>(null);

  const active = props.partners.filter((p) => p.status !== 'SUSPENDED');
  const chosenPartner = partnerId || active[0]?.id || '';

  const parsed = useMemo(() => lines.map((l) => parseAmount(l.amount, currency)), [lines, currency]);
  const total = sumMinor(parsed.flatMap((p) => (p.ok ? [p.amountMinor] : [])));
  const references = lines.map((l) => l.reference.trim());
  const duplicate = (i: number) => references[i] !== '' && references.indexOf(references[i]!) !== i;

  const edit = (mutate: () => void) => {
    idempotencyKey.current = undefined;
    setServerErrors({});
    mutate();
  };
  const updateLine = (key: number, patch: Partial<LineDraft>) =>
    edit(() => setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l))));

  const lineError = (i: number): { reference?: string; amount?: string } => {
    const p = parsed[i];
    return {
      reference:
        serverErrors[`lines.${i}.reference`] ??
        (touched && !references[i] ? 'required' : duplicate(i) ? 'duplicate reference' : undefined),
      amount:
        serverErrors[`lines.${i}.amountMinor`] ??
        (p && !p.ok && (touched || lines[i]!.amount !== '') ? p.message : undefined),
    };
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setTouched(true);
    const invalid =
      !chosenPartner ||
      lines.some((l, i) => !l.reference.trim() || duplicate(i) || !parsed[i]?.ok) ||
      total === undefined;
    if (invalid) {
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    const body = {
      partnerId: chosenPartner,
      currency,
      lines: lines.map((l, i) => ({
        reference: l.reference.trim(),
        amountMinor: (parsed[i] as { amountMinor: number }).amountMinor,
        description: l.description.trim(),
      })),
    };
    idempotencyKey.current ??= globalThis.crypto.randomUUID();
    setSubmitting(true);
    try {
      const created = await props.api.createPayment(body, idempotencyKey.current);
      props.onCreated({
        id: created.id,
        status: created.status,
        partnerId: body.partnerId,
        currency: body.currency,
        totalMinor: total as number,
        lines: body.lines,
        workflowId: created.workflowId,
        runId: created.runId,
        temporalUiUrl: created.temporalUiUrl,
        version: 0,
      });
      props.push({
        kind: 'success',
        title: `Payment ${shortId(created.id)} created`,
        detail: `${formatMinor(total as number, currency, props.locale)} — status ${created.status}`,
        paymentId: created.id,
      });
      idempotencyKey.current = undefined;
      setTouched(false);
      setLines([newLine()]);
    } catch (err) {
      if (err instanceof ApiError) {
        setServerErrors(Object.fromEntries(err.fieldErrors.map((f) => [f.field, f.message])));
      }
      props.push(errorToast(err, 'Payment not created'));
    } finally {
      setSubmitting(false);
    }
  };

  if (!props.canAct) return readOnlyNote(props.role, 'create payments', 'create-form-disabled');
  return h(
    'form',
    {
      class: 'form',
      ref: formRef,
      noValidate: true,
      'data-testid': 'create-form',
      onSubmit: (e: Event) => void submit(e),
    },
    h(
      'div',
      { class: 'form-row' },
      h(
        'div',
        { class: 'field field-grow' },
        h('label', { for: 'form-partner', class: 'field-label' }, 'Partner'),
        h(
          'select',
          {
            id: 'form-partner',
            class: 'input',
            value: chosenPartner,
            required: true,
            'aria-invalid': touched && !chosenPartner,
            'data-testid': 'form-partner',
            onChange: (e: Event) => edit(() => setPartnerId((e.currentTarget as HTMLSelectElement).value)),
          },
          props.partners.length === 0 ? h('option', { value: '' }, 'No partners registered') : null,
          props.partners.map((p) =>
            h(
              'option',
              { key: p.id, value: p.id, disabled: p.status === 'SUSPENDED' },
              p.status === 'SUSPENDED' ? `${p.name} (suspended)` : p.name,
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'field field-currency' },
        h('label', { for: 'form-currency', class: 'field-label' }, 'Currency'),
        h(
          'select',
          {
            id: 'form-currency',
            class: 'input',
            value: currency,
            'data-testid': 'form-currency',
            onChange: (e: Event) => edit(() => setCurrency((e.currentTarget as HTMLSelectElement).value)),
          },
          CURRENCIES.map((c) => h('option', { key: c, value: c }, c)),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'lines-fieldset' },
      h('legend', { class: 'field-label' }, 'Commission lines'),
      lines.map((line, i) => {
        const err = lineError(i);
        const ids = { ref: `line-reference-${i}`, amount: `line-amount-${i}`, desc: `line-description-${i}` };
        return h(
          'div',
          { key: line.key, class: 'line', 'data-testid': `line-${i}` },
          h(
            'div',
            { class: 'field field-ref' },
            h('label', { for: ids.ref, class: 'field-label field-label-small' }, 'Reference'),
            h('input', {
              id: ids.ref,
              class: 'input',
              value: line.reference,
              placeholder: 'conv-1001',
              maxLength: 100,
              'aria-invalid': Boolean(err.reference),
              'aria-describedby': err.reference ? `${ids.ref}-error` : undefined,
              'data-testid': ids.ref,
              onInput: (e: Event) =>
                updateLine(line.key, { reference: (e.currentTarget as HTMLInputElement).value }),
            }),
            err.reference ? h('span', { id: `${ids.ref}-error`, class: 'field-error' }, err.reference) : null,
          ),
          h(
            'div',
            { class: 'field field-amount' },
            h('label', { for: ids.amount, class: 'field-label field-label-small' }, `Amount (${currency})`),
            h('input', {
              id: ids.amount,
              class: 'input num',
              value: line.amount,
              inputMode: 'decimal',
              placeholder: '150.00',
              autocomplete: 'off',
              'aria-invalid': Boolean(err.amount),
              'aria-describedby': err.amount ? `${ids.amount}-error` : undefined,
              'data-testid': ids.amount,
              onInput: (e: Event) =>
                updateLine(line.key, { amount: (e.currentTarget as HTMLInputElement).value }),
            }),
            err.amount ? h('span', { id: `${ids.amount}-error`, class: 'field-error' }, err.amount) : null,
          ),
          h(
            'div',
            { class: 'field field-desc' },
            h('label', { for: ids.desc, class: 'field-label field-label-small' }, 'Description'),
            h('input', {
              id: ids.desc,
              class: 'input',
              value: line.description,
              placeholder: 'March conversions',
              maxLength: 500,
              'data-testid': ids.desc,
              onInput: (e: Event) =>
                updateLine(line.key, { description: (e.currentTarget as HTMLInputElement).value }),
            }),
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'icon-button line-remove',
              disabled: lines.length === 1,
              'aria-label': `Remove line ${i + 1}`,
              'data-testid': `remove-line-${i}`,
              onClick: () => edit(() => setLines((ls) => ls.filter((l) => l.key !== line.key))),
            },
            '×',
          ),
        );
      }),
      h(
        'button',
        {
          type: 'button',
          class: 'button button-ghost',
          'data-testid': 'add-line',
          onClick: () => edit(() => setLines((ls) => [...ls, newLine()])),
        },
        '+ Add line',
      ),
    ),
    h(
      'div',
      { class: 'form-footer' },
      h(
        'div',
        { class: 'form-total' },
        h('span', { class: 'muted' }, 'Total'),
        h(
          'output',
          { 'data-testid': 'form-total', 'data-minor': total ?? '', 'aria-live': 'polite' },
          total === undefined ? 'too large' : formatMinor(total, currency, props.locale),
        ),
      ),
      h(
        'button',
        {
          type: 'submit',
          class: 'button button-primary',
          disabled: submitting || props.partners.length === 0,
          'aria-busy': submitting,
          'data-testid': 'form-submit',
        },
        submitting ? 'Creating…' : 'Create payment',
      ),
    ),
  );
}
