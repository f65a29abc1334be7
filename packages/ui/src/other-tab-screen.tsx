/** Shown while another tab owns this user's database (the sahpool VFS allows one tab at a time). */
export function OtherTabScreen({
  onUseHere,
  takingOver,
  error,
}: {
  onUseHere: () => void;
  takingOver: boolean;
  error?: string | undefined;
}) {
  return (
    <main className="auth">
      <div className="card auth-card">
        <h1>SelfTracker is open in another tab</h1>
        <p className="muted">
          Your data can be open in one tab at a time. Use it here and the other tab will step aside; nothing
          is lost.
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="button" onClick={onUseHere} disabled={takingOver}>
          {takingOver ? 'Switching…' : 'Use here'}
        </button>
      </div>
    </main>
  );
}
