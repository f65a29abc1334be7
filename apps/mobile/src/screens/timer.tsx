import {
  type Timer,
  useProjects,
  useStartTimer,
  useStopTimer,
  useTasks,
  useTimers,
} from '@selftracker/react';
import {
  formatDay,
  formatDuration,
  groupByDay,
  messageOf,
  timerDuration,
  totalsByProject,
} from '@selftracker/ui/shared';
import { useEffect, useState } from 'react';
import { RefreshControl, ScrollView, Text, View } from 'react-native';
import { useTheme } from '../theme.ts';
import { Button, Card, Chips, ErrorText, styles } from '../ui.tsx';
import { useRefresh } from './tasks.tsx';

/** The current time, every second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [ticking]);
  return now;
}

/** Timer: the running timer (role "timer", ticking) with "Stop timer", or a target and "Start timer"; history. */
export function TimerScreen() {
  const t = useTheme();
  const running = useTimers({ running: true }).data?.[0];
  const history = useTimers({}).data ?? [];
  const tasks = useTasks({ status: ['todo', 'in-progress'] }).data ?? [];
  const projects = useProjects({}).data ?? [];
  const start = useStartTimer();
  const stop = useStopTimer();
  const now = useNow(running !== undefined);
  const [target, setTarget] = useState('');
  const refresh = useRefresh();
  const label = (x: Timer) =>
    tasks.find((k) => k.id === x.task_id)?.title ??
    projects.find((p) => p.id === x.project_id)?.name ??
    'No task';
  const onStart = () => {
    const [kind, id] = target.split(':');
    const task = kind === 'task' ? tasks.find((k) => k.id === id) : undefined;
    start.mutate({
      ...(task ? { task_id: task.id, project_id: task.project_id } : {}),
      ...(kind === 'project' && id ? { project_id: id } : {}),
    });
  };
  const error = start.error ?? stop.error;
  const days = groupByDay(history, now);
  const totals = totalsByProject(history, now);
  return (
    <ScrollView contentContainerStyle={styles.screen} refreshControl={<RefreshControl {...refresh} />}>
      <Card>
        {running ? (
          <View style={{ gap: 8 }}>
            <Text
              role="timer"
              aria-label="Running timer"
              style={{ color: t.text, fontSize: 40, fontVariant: ['tabular-nums'] }}
            >
              {formatDuration(now - running.started_at)}
            </Text>
            <Text style={{ color: t.muted }}>{label(running)}</Text>
            <Button label="Stop timer" kind="danger" onPress={() => stop.mutate(undefined)} />
          </View>
        ) : (
          <View style={{ gap: 8 }}>
            <Chips
              label="Track"
              value={target}
              options={[
                { value: '', label: 'No task' },
                ...tasks.map((k) => ({ value: `task:${k.id}`, label: k.title })),
                ...projects
                  .filter((p) => !p.archived)
                  .map((p) => ({ value: `project:${p.id}`, label: `▣ ${p.name}`, color: p.color })),
              ]}
              onChange={setTarget}
            />
            <Button label="Start timer" onPress={onStart} />
          </View>
        )}
        <ErrorText message={error ? messageOf(error) : undefined} />
      </Card>
      {totals.length > 0 ? (
        <Card>
          <Text style={[styles.title, { color: t.text, fontSize: 16 }]}>Per project</Text>
          {totals.map((x) => (
            <View key={x.projectId} style={styles.row}>
              <Text style={{ color: t.text, flex: 1 }}>
                {projects.find((p) => p.id === x.projectId)?.name ?? 'No project'}
              </Text>
              <Text style={{ color: t.text }}>{formatDuration(x.total)}</Text>
            </View>
          ))}
        </Card>
      ) : null}
      <View role="list" aria-label="History" style={{ gap: 12 }}>
        {days.map((d) => (
          <Card key={d.key}>
            <View style={styles.row}>
              <Text style={[styles.title, { color: t.text, fontSize: 16, flex: 1 }]}>
                {formatDay(d.key, now)}
              </Text>
              <Text style={{ color: t.text, fontWeight: '600' }}>{formatDuration(d.total)}</Text>
            </View>
            {d.items.map((x) => (
              <View role="listitem" key={x.id} style={styles.row}>
                <Text style={{ color: t.text, flex: 1 }}>{label(x)}</Text>
                <Text style={{ color: t.muted }}>{formatDuration(timerDuration(x, now))}</Text>
              </View>
            ))}
          </Card>
        ))}
      </View>
    </ScrollView>
  );
}
