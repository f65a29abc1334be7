import type { Engine } from '@selftracker/client';
import { type FormEvent, useState } from 'react';
import { messageOf } from './labels.ts';

type Outcome =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; text: string }
  | { kind: 'error'; text: string };

function OutcomeLine({ outcome }: { outcome: Outcome }) {
  if (outcome.kind === 'done') return <p role="status">{outcome.text}</p>;
  if (outcome.kind === 'error')
    return (
      <p role="alert" className="error">
        {outcome.text}
      </p>
    );
  return null;
}

/** Current and new password; the server then signs every other device out at its next refresh. */
export function ChangePasswordForm({ engine }: { engine: Engine }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'idle' });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setOutcome({ kind: 'busy' });
    try {
      await engine.changePassword(current, next);
      setCurrent('');
      setNext('');
      setOutcome({
        kind: 'done',
        text: 'Password changed. Your other devices are signed out at their next refresh; this one stays signed in.',
      });
    } catch (err: unknown) {
      setOutcome({ kind: 'error', text: messageOf(err) });
    }
  };

  return (
    <form className="account-section" aria-labelledby="account-password" onSubmit={(e) => void submit(e)}>
      <h3 id="account-password">Password</h3>
      <label htmlFor="account-current-password">Current password</label>
      <input
        id="account-current-password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <label htmlFor="account-new-password">New password</label>
      <input
        id="account-new-password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        value={next}
        onChange={(e) => setNext(e.target.value)}
      />
      <button type="submit" disabled={outcome.kind === 'busy'}>
        Change password
      </button>
      <OutcomeLine outcome={outcome} />
    </form>
  );
}

/**
 * Deleting the account: the password, whether this device keeps a signed-out copy (default: wipe it), and a
 * confirm step before anything is sent.
 */
export function DeleteAccountForm({
  email,
  onDelete,
}: {
  email: string;
  onDelete: (password: string, keepLocal: boolean) => Promise<void>;
}) {
  const [password, setPassword] = useState('');
  const [keepLocal, setKeepLocal] = useState(false);
  const [step, setStep] = useState<'form' | 'confirm' | 'busy'>('form');
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setStep('busy');
    setError(null);
    try {
      await onDelete(password, keepLocal);
    } catch (e: unknown) {
      setError(messageOf(e));
      setStep('form');
    }
  };

  return (
    <form
      className="account-section danger-zone"
      aria-labelledby="account-delete"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        setStep('confirm');
      }}
    >
      <h3 id="account-delete">Delete account</h3>
      <p className="muted small">
        Removes the account {email} and everything in it from the server, for good. Export your data first to
        keep it.
      </p>
      <label htmlFor="account-delete-password">Password to delete the account</label>
      <input
        id="account-delete-password"
        type="password"
        autoComplete="current-password"
        required
        disabled={step !== 'form'}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <fieldset disabled={step !== 'form'}>
        <legend>This device's copy</legend>
        <label className="choice">
          <input type="radio" name="local-copy" checked={!keepLocal} onChange={() => setKeepLocal(false)} />
          Wipe it from this device
        </label>
        <label className="choice">
          <input type="radio" name="local-copy" checked={keepLocal} onChange={() => setKeepLocal(true)} />
          Keep a local copy on this device
        </label>
      </fieldset>
      {step === 'form' ? (
        <button type="submit" className="danger">
          Delete account
        </button>
      ) : (
        <div className="confirm">
          <p>
            Delete {email} and all its data for good?{' '}
            {keepLocal ? 'This device keeps a signed-out copy.' : 'This device is wiped too.'}
          </p>
          <button type="button" className="danger" disabled={step === 'busy'} onClick={() => void confirm()}>
            Yes, delete everything
          </button>
          <button type="button" className="ghost" disabled={step === 'busy'} onClick={() => setStep('form')}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
