// The pricing page: every plan with its price and limits, the "Current Plan" badge, and the one
// button that applies: Subscribe (Checkout), Upgrade or Downgrade (after the quote), or Manage
// (the Customer Portal). Members see the plans without buttons.
'use strict';

(() => {
  const { api, el, $, safeUrl, reload, toast, failed, busy, goTop, openPortal, openDialog, money, date, statusLabel, planName } = Billing;
  let view = null;
  let change = null;

  async function load() {
    const [organization, catalog] = await Promise.all([api.get('/api/organization'), api.get('/api/billing/plans')]);
    view = { billing: organization.organization.billing, viewer: organization.viewer, plans: catalog.plans };
    render();
  }

  function canceledCheckout() {
    const query = new URLSearchParams(location.search);
    if (query.get('checkout') !== 'canceled') return;
    toast('Checkout was canceled. Nothing was charged.', 'info');
    query.delete('checkout');
    const rest = query.toString();
    history.replaceState(history.state, '', location.pathname + (rest ? '?' + rest : ''));
  }

  function render() {
    const { billing, viewer, plans } = view;
    const status = billing.status === 'none' ? '' : ` (${statusLabel(billing.status).toLowerCase()})`;
    $('current-summary').textContent = `Your organization is on the ${planName(plans, billing.plan)} plan${status}.`;
    $('member-note').hidden = viewer.can_manage;
    $('plans').replaceChildren(...plans.map(card));
  }

  function limit(value, one, many) {
    if (value === null || value === undefined) return `Unlimited ${many}`;
    return `${value.toLocaleString()} ${value === 1 ? one : many}`;
  }

  const BUTTONS = {
    checkout: ['Subscribe', ''],
    upgrade: ['Upgrade', ''],
    downgrade: ['Downgrade', 'secondary'],
    manage: ['Manage subscription', 'secondary'],
  };

  function card(plan) {
    const free = plan.price.amount === 0;
    const price = free ? el('p', { class: 'price', text: 'Free' }) : el('p', { class: 'price' }, [money(plan.price.amount, plan.price.currency), el('small', { text: ' / month' })]);
    const limits = el('ul', {}, [
      el('li', { text: limit(plan.limits.max_test_runs, 'test run a month', 'test runs a month') }),
      el('li', { text: limit(plan.limits.max_users, 'user', 'users') }),
      el('li', { text: limit(plan.limits.max_projects, 'project', 'projects') }),
    ]);
    const titleId = `plan-${plan.id}-title`;
    return el('article', { class: 'plan' + (plan.current ? ' current' : ''), 'data-plan': plan.id, 'aria-labelledby': titleId }, [
      el('h2', { id: titleId, text: plan.name }),
      plan.current ? el('span', { class: 'badge success current-badge', text: 'Current Plan' }) : null,
      price,
      limits,
      button(plan),
    ]);
  }

  function button(plan) {
    if (!view.viewer.can_manage || !BUTTONS[plan.action]) return null;
    // Leaving a paid plan for one the API cannot switch to directly (the free plan, or any plan
    // while the subscription is ending) happens in the billing portal.
    const [label, kind] = plan.action === 'manage' && !plan.current ? ['Change in billing portal', 'secondary'] : BUTTONS[plan.action];
    const node = el('button', { type: 'button', class: kind, 'data-action': plan.action, 'aria-label': `${label}: ${plan.name}`, text: label });
    const run = { checkout: subscribe, upgrade: quote, downgrade: quote, manage: (b) => openPortal(b) }[plan.action];
    node.addEventListener('click', () => run(node, plan));
    return node;
  }

  async function subscribe(node, plan) {
    await busy(node, async () => {
      try {
        const session = await api.post('/api/billing/checkout', { plan: plan.id });
        goTop(session.checkout_url, 'Continue to checkout');
      } catch (error) {
        if (error.code === 'checkout_in_progress' && error.body.checkout_url) return offerOpenCheckout(error.body.checkout_url);
        failed(error);
      }
    });
  }

  // EC-18: the checkout opened a few minutes ago is offered again.
  function offerOpenCheckout(url) {
    const href = safeUrl(url);
    // goTop refuses an address that is not http(s) and says so.
    if (!href) return goTop(url);
    $('checkout-resume').href = href;
    openDialog($('checkout-dialog'), $('checkout-resume'));
  }

  // The price of a change, from the API's quote, before anything is changed.
  async function quote(node, plan) {
    await busy(node, async () => {
      try {
        const q = await api.post('/api/billing/proration', { plan: plan.id });
        change = { plan, quote: q };
        fillChangeDialog(plan, q);
        // Focus starts on the title, never on the button that charges, so a stray Enter or
        // Space cannot confirm a change before it has been read.
        openDialog($('change-dialog'), $('change-title'));
      } catch (error) {
        failed(error);
      }
    });
  }

  function fillChangeDialog(plan, q) {
    const upgrade = q.direction === 'upgrade';
    const periodEnd = view.billing.current_period_end;
    $('change-title').textContent = `${upgrade ? 'Upgrade' : 'Downgrade'} to ${plan.name}`;
    $('change-explanation').textContent = upgrade
      ? 'The new plan starts now. You pay the difference for the rest of this billing period today.'
      : `You keep your current plan until ${date(q.effective_at)}; then the ${plan.name} plan and its limits apply. Nothing is charged now.`;
    $('change-now').textContent = money(q.proration_amount, q.currency);
    $('change-when-label').textContent = upgrade ? 'Takes effect' : 'Changes on';
    $('change-when').textContent = upgrade ? 'Now' : date(q.effective_at);
    const from = upgrade && periodEnd ? `, from ${date(periodEnd)}` : '';
    $('change-next').textContent = `${money(q.next_invoice_amount, q.currency)}${from}`;
    $('change-confirm').textContent = upgrade ? `Upgrade and pay ${money(q.proration_amount, q.currency)}` : 'Confirm downgrade';
    $('change-error').hidden = true;
  }

  function changeError(error) {
    const target = $('change-error');
    let message = error.message;
    if (error.code === 'usage_exceeds_target_plan' && Array.isArray(error.body.exceeded)) {
      message += ' ' + error.body.exceeded.map((x) => `${x.limit.replace('_', ' ')}: ${x.used} used, ${x.allowed} allowed`).join('; ') + '.';
    }
    target.replaceChildren(message);
    const invoice = error.body && safeUrl(error.body.hosted_invoice_url);
    if (invoice) target.append(' ', el('a', { href: invoice, target: '_blank', rel: 'noopener', text: 'Pay the invoice' }));
    target.hidden = false;
  }

  async function confirmChange() {
    const confirm = $('change-confirm');
    await busy(confirm, async () => {
      const { plan, quote: q } = change;
      try {
        await api.post('/api/billing/plan', { plan: plan.id, quote: q.quote });
      } catch (error) {
        if (error instanceof Billing.SessionExpired) return failed(error);
        return changeError(error);
      }
      $('change-dialog').close();
      const done = q.direction === 'upgrade' ? `You're now on the ${plan.name} plan.` : `Your plan changes to ${plan.name} on ${date(q.effective_at)}.`;
      toast(done, 'success');
      // The change is made; a failed reload must not be shown as a failed change.
      await reload();
    });
  }

  $('change-close').addEventListener('click', () => $('change-dialog').close());
  $('change-confirm').addEventListener('click', confirmChange);
  $('checkout-close').addEventListener('click', () => $('checkout-dialog').close());
  $('checkout-resume').addEventListener('click', (event) => {
    event.preventDefault();
    goTop(event.currentTarget.href, 'Continue to checkout');
  });
  canceledCheckout();
  Billing.start(load);
})();
