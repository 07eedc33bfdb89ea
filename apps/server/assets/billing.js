// The billing page: the subscription and its status, the banners the API reports, the latest
// invoices, cancelling (typed CANCEL), reactivating, keeping the plan over a scheduled change,
// and the toast after returning from Checkout.
'use strict';

(() => {
  const { api, el, $, safeUrl, reload, toast, failed, busy, openPortal, openDialog, money, date, statusBadge, planName } = Billing;
  const CONFIRM_WORD = 'CANCEL';
  let view = null;

  // Returning from Checkout: the session is verified by the server, never trusted from the
  // address, and its id leaves the address bar once it has been read.
  async function verifyReturn() {
    const query = new URLSearchParams(location.search);
    const session = query.get('session_id');
    if (!session) return null;
    try {
      const subscription = await api.post('/api/billing/verify-session', { session_id: session });
      return { kind: subscription.status === 'trialing' ? 'trial' : 'paid', plan: subscription.plan };
    } catch (error) {
      if (error instanceof Billing.SessionExpired) throw error;
      const pending = ['checkout_incomplete', 'payment_required'].includes(error.code);
      return { kind: pending ? 'pending' : 'failed', message: error.message };
    } finally {
      query.delete('session_id');
      const rest = query.toString();
      history.replaceState(history.state, '', location.pathname + (rest ? '?' + rest : ''));
    }
  }

  function announce(outcome, plans) {
    if (!outcome) return;
    const name = outcome.plan && planName(plans, outcome.plan);
    if (outcome.kind === 'trial') toast(`Trial started! Your organization is on the ${name} plan.`, 'success');
    else if (outcome.kind === 'paid') toast(`Payment successful! Your subscription to the ${name} plan is now active.`, 'success');
    else if (outcome.kind === 'pending') toast('Your payment is being processed. This page shows your new plan as soon as it completes.', 'info');
    else toast(`Your payment could not be verified: ${outcome.message} Contact support if this persists.`, 'error');
  }

  async function load() {
    const outcome = await verifyReturn();
    const [organization, catalog] = await Promise.all([api.get('/api/organization'), api.get('/api/billing/plans')]);
    view = { billing: organization.organization.billing, viewer: organization.viewer, plans: catalog.plans };
    render();
    loadInvoices();
    announce(outcome, view.plans);
  }

  function render() {
    const { billing, viewer, plans } = view;
    const plan = plans.find((p) => p.id === billing.plan);
    $('plan-name').textContent = plan ? plan.name : billing.plan;
    statusBadge($('status-badge'), billing.status);
    const live = ['trialing', 'active', 'past_due'].includes(billing.status);
    $('period-row').hidden = !(live && billing.current_period_end);
    $('period-label').textContent = billing.cancel_at_period_end ? 'Ends on' : 'Renews on';
    if (billing.current_period_end) $('period-end').textContent = date(billing.current_period_end);
    $('price-row').hidden = !(plan && plan.price.amount > 0);
    if (plan) $('plan-price').textContent = `${money(plan.price.amount, plan.price.currency)} a month`;
    $('owner-actions').hidden = !viewer.can_manage;
    $('member-note').hidden = viewer.can_manage;
    $('manage').hidden = billing.status === 'none';
    $('cancel-open').hidden = !(live && !billing.cancel_at_period_end);
    $('banners').replaceChildren(...billing.notices.map(banner).filter(Boolean));
  }

  function action(label, run, kind) {
    const button = el('button', { type: 'button', class: kind || '', text: label });
    button.addEventListener('click', () => run(button));
    return button;
  }

  function invoiceLink(url) {
    const href = safeUrl(url);
    return href ? el('a', { class: 'button secondary', href, target: '_blank', rel: 'noopener', text: 'View invoice' }) : null;
  }

  function section(notice, kind, title, text, actions) {
    const buttons = actions.filter(Boolean);
    // Focusable from script only, so an action whose button goes away can leave focus here.
    return el('section', { class: 'banner ' + kind, 'data-kind': notice.kind, role: kind === 'danger' ? 'alert' : null, tabindex: '-1' }, [
      el('h2', { text: title }),
      el('p', { text }),
      buttons.length ? el('div', { class: 'actions' }, buttons) : null,
    ]);
  }

  // One banner per notice the API reports; owners get the buttons that resolve it.
  function banner(notice) {
    const { billing, viewer, plans } = view;
    const owner = viewer.can_manage;
    const failedPayment = billing.failed_payment || {};
    const updatePayment = owner ? action('Update payment', openPortal, 'danger') : null;
    const make = (kind, title, text, actions) => section(notice, kind, title, text, actions);
    switch (notice.kind) {
      case 'payment_failed': {
        const amount = notice.amount ? money(notice.amount.minor_units, notice.amount.currency) : 'your last invoice';
        const text = `Your payment of ${amount} could not be processed. Update your payment method by ${date(notice.grace_until)} to keep your paid features.`;
        return make('danger', 'Payment failed', text, [invoiceLink(failedPayment.hosted_invoice_url), updatePayment]);
      }
      case 'features_suspended':
        // A trial that ended without a payment method pauses the subscription: nothing is overdue.
        if (notice.status === 'paused') {
          return make('warning', 'Your subscription is paused', 'Your trial ended without a payment method, so paid features are off until the subscription resumes. Add a payment method, and contact support to resume it.', [updatePayment]);
        }
        return make('danger', 'Paid features are suspended', 'Your payment is overdue. Update your payment method to restore them.', [
          invoiceLink(failedPayment.hosted_invoice_url),
          updatePayment,
        ]);
      case 'ends_on':
        return make('warning', `Your subscription ends on ${date(notice.date)}`, 'Every feature of your plan stays available until then. After that your organization moves to the free plan.', [
          owner ? action('Reactivate', reactivate) : null,
        ]);
      case 'plan_changes_on':
        return make('info', `Your plan changes to ${planName(plans, notice.plan)} on ${date(notice.date)}`, 'Until then you keep your current plan and its limits.', [
          owner ? action('Keep my plan', keepPlan, 'secondary') : null,
        ]);
      case 'canceled':
        return make('warning', 'Your subscription has been canceled', notice.at ? `It ended on ${date(notice.at)}. Choose a plan to subscribe again.` : 'Choose a plan to subscribe again.', [
          el('a', { class: 'button secondary', href: '/pricing', text: 'See plans' }),
        ]);
      case 'checkout_in_progress':
        return make('info', 'A checkout is not finished yet', `A checkout was started on ${date(notice.started_at)}. Your plan changes once it is paid.`, []);
      default:
        return null;
    }
  }

  // Reactivate and Keep my plan sit in banners that the reload removes with their buttons;
  // focus goes to the subscription's heading, which shows the outcome, not to the document's start.
  function focusSubscription() {
    $('subscription-title').focus();
  }

  async function reactivate(button) {
    await busy(button, async () => {
      try {
        await api.post('/api/billing/subscription/reactivate');
        toast('Your subscription continues. Nothing else changes.', 'success');
        await reload();
        focusSubscription();
      } catch (error) {
        failed(error);
      }
    });
  }

  async function keepPlan(button) {
    await busy(button, async () => {
      try {
        await api.del('/api/billing/plan/scheduled');
        toast(`You keep the ${planName(view.plans, view.billing.plan)} plan; the scheduled change was dropped.`, 'success');
        await reload();
        focusSubscription();
      } catch (error) {
        failed(error);
      }
    });
  }

  async function loadInvoices() {
    const target = $('invoices');
    try {
      const { invoices } = await api.get('/api/billing/invoices?limit=12');
      target.replaceChildren(invoices.length ? invoiceTable(invoices) : el('p', { class: 'note', text: 'No invoices yet.' }));
    } catch (error) {
      if (error instanceof Billing.SessionExpired) return Billing.failed(error);
      const retry = action('Try again', () => loadInvoices(), 'secondary');
      target.replaceChildren(el('p', { class: 'inline-error', role: 'alert', text: `Invoices could not be loaded. ${error.message}` }), retry);
    }
  }

  const INVOICE_STATUS = { paid: ['Paid', 'success'], open: ['Due', 'warning'], uncollectible: ['Uncollectible', 'danger'], void: ['Void', ''] };

  function invoiceTable(invoices) {
    const head = el('thead', {}, el('tr', {}, [
      el('th', { scope: 'col', text: 'Date' }),
      el('th', { scope: 'col', text: 'Invoice' }),
      el('th', { scope: 'col', class: 'amount', text: 'Amount' }),
      el('th', { scope: 'col', text: 'Status' }),
      el('th', { scope: 'col', text: 'Links' }),
    ]));
    const rows = invoices.map((invoice) => {
      const [label, kind] = INVOICE_STATUS[invoice.status] || [invoice.status, ''];
      const name = invoice.number || invoice.id;
      const view = safeUrl(invoice.hosted_invoice_url);
      const pdf = safeUrl(invoice.invoice_pdf);
      const links = [
        view ? el('a', { href: view, target: '_blank', rel: 'noopener', 'aria-label': `View invoice ${name}`, text: 'View' }) : null,
        pdf ? el('a', { href: pdf, target: '_blank', rel: 'noopener', 'aria-label': `Download invoice ${name} as PDF`, text: 'PDF' }) : null,
      ];
      return el('tr', {}, [
        el('td', { 'data-label': 'Date', text: date(invoice.created) }),
        el('td', { 'data-label': 'Invoice', text: name }),
        el('td', { class: 'amount', 'data-label': 'Amount', text: money(invoice.amount_due, invoice.currency) }),
        el('td', { 'data-label': 'Status' }, el('span', { class: ('badge ' + kind).trim(), text: label })),
        el('td', { class: 'links' }, links),
      ]);
    });
    return el('table', {}, [el('caption', { class: 'visually-hidden', text: 'Latest invoices, newest first' }), head, el('tbody', {}, rows)]);
  }

  function setUpCancel() {
    const dialog = $('cancel-dialog');
    const input = $('cancel-confirm');
    const submit = $('cancel-submit');
    const error = $('cancel-error');
    input.addEventListener('input', () => {
      submit.disabled = input.value.trim() !== CONFIRM_WORD;
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !submit.disabled) submit.click();
    });
    $('cancel-open').addEventListener('click', () => {
      input.value = '';
      submit.disabled = true;
      error.hidden = true;
      const end = view.billing.current_period_end;
      $('cancel-until').textContent = end ? ` (${date(end)})` : '';
      openDialog(dialog, input);
    });
    $('cancel-keep').addEventListener('click', () => dialog.close());
    submit.addEventListener('click', async () => {
      if (input.value.trim() !== CONFIRM_WORD) return;
      await busy(submit, async () => {
        try {
          const subscription = await api.del('/api/billing/subscription');
          dialog.close();
          const end = subscription.current_period_end ? ` on ${date(subscription.current_period_end)}` : ' at the end of the period';
          toast(`Your subscription was canceled. It ends${end}.`, 'success');
          await reload();
          // The dialog gave focus back to "Cancel subscription", which the reload hid; the
          // banner saying when the subscription ends takes it, rather than the document's start.
          const ending = document.querySelector('#banners [data-kind="ends_on"]');
          if (ending) ending.focus();
        } catch (failure) {
          if (failure instanceof Billing.SessionExpired) return failed(failure);
          error.textContent = failure.message;
          error.hidden = false;
        }
      });
      submit.disabled = input.value.trim() !== CONFIRM_WORD;
    });
  }

  $('manage').addEventListener('click', (event) => openPortal(event.currentTarget));
  setUpCancel();
  Billing.start(load);
})();
