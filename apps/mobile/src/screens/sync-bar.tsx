import { useEngine, useSyncStatus } from '@selftracker/react';
import { describeSync } from '@selftracker/ui/shared';
import { useState } from 'react';
import { Text, View } from 'react-native';
import { useTheme } from '../theme.ts';
import { Button, styles } from '../ui.tsx';

/** The sync indicator (role status, named "Sync status": Offline, Synced or "<n> pending") and "Sync now". */
export function SyncBar({ onSignOut }: { onSignOut: () => void }) {
  const t = useTheme();
  const engine = useEngine();
  const status = useSyncStatus();
  const [busy, setBusy] = useState(false);
  const shown = describeSync(status, true);
  const color = { ok: t.ok, busy: t.warn, offline: t.muted, error: t.danger }[shown.tone];
  const syncNow = () => {
    setBusy(true);
    engine
      .sync()
      .catch(() => {}) // shown as state by the indicator
      .finally(() => setBusy(false));
  };
  return (
    <View
      style={[
        styles.row,
        { paddingHorizontal: 12, paddingVertical: 6, borderBottomWidth: 1, borderColor: t.border },
      ]}
    >
      <View role="status" aria-label="Sync status" aria-live="polite" style={[styles.row, { flex: 1 }]}>
        <View style={{ width: 10, height: 10, borderRadius: 5, backgroundColor: color }} />
        <Text style={{ color: t.text }} numberOfLines={1}>
          {shown.text}
        </Text>
      </View>
      <Button label="Sync now" kind="plain" onPress={syncNow} disabled={busy} />
      <Button label="Sign out" kind="plain" onPress={onSignOut} />
    </View>
  );
}
