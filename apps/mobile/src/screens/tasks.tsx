import type { TaskStatus } from '@selftracker/core';
import {
  isOptimisticId,
  type Task,
  type TaskFilter,
  useCreateTask,
  useDeleteTask,
  useEngine,
  useProjects,
  useStartTimer,
  useTasks,
  useUpdateTask,
} from '@selftracker/react';
import { messageOf, STATUS_LABELS, statusForNewTask } from '@selftracker/ui/shared';
import { useState } from 'react';
import { FlatList, Pressable, RefreshControl, Text, TextInput, View } from 'react-native';
import { confirmDelete } from '../confirm.ts';
import { TOUCH, useTheme } from '../theme.ts';
import { Button, Chips, ErrorText, styles } from '../ui.tsx';
import { TaskEditor } from './task-editor.tsx';

type StatusFilter = '' | TaskStatus;
const STATUS_OPTIONS: { value: StatusFilter; label: string }[] = [
  { value: '', label: 'All' },
  ...(Object.entries(STATUS_LABELS) as [TaskStatus, string][]).map(([value, label]) => ({ value, label })),
];

/** Pull-to-refresh on a list: one sync round, the spinner until it ends. */
export function useRefresh() {
  const engine = useEngine();
  const [refreshing, setRefreshing] = useState(false);
  const onRefresh = () => {
    setRefreshing(true);
    engine
      .sync()
      .catch(() => {}) // the sync indicator shows why
      .finally(() => setRefreshing(false));
  };
  return { refreshing, onRefresh };
}

/** Tasks: "New task" (submit adds), filters by status and project, the list named "Tasks". */
export function TasksScreen() {
  const t = useTheme();
  const [status, setStatus] = useState<StatusFilter>('');
  const [project, setProject] = useState('');
  const filter: TaskFilter = {
    ...(status ? { status: [status] } : {}),
    ...(project ? { projectId: project } : {}),
  };
  const tasks = useTasks(filter).data ?? [];
  const projects = useProjects({ archived: false }).data ?? [];
  const create = useCreateTask();
  const update = useUpdateTask();
  const remove = useDeleteTask();
  const start = useStartTimer();
  const [title, setTitle] = useState('');
  const [editing, setEditing] = useState<Task | undefined>();
  const refresh = useRefresh();
  const error = create.error ?? update.error ?? remove.error ?? start.error;

  const add = () => {
    const text = title.trim();
    if (!text) return;
    setTitle('');
    // Never created done because the Done filter is on (issue #14).
    create.mutate({ title: text, project_id: project || null, status: statusForNewTask(status) });
  };

  return (
    <View style={{ flex: 1 }}>
      <FlatList
        data={tasks}
        keyExtractor={(task) => task.id}
        role="list"
        aria-label="Tasks"
        contentContainerStyle={[styles.screen, { paddingBottom: 32 }]}
        refreshControl={<RefreshControl {...refresh} />}
        keyboardShouldPersistTaps="handled"
        ListHeaderComponent={
          <View style={{ gap: 10 }}>
            <TextInput
              aria-label="New task"
              placeholder="New task"
              placeholderTextColor={t.muted}
              value={title}
              onChangeText={setTitle}
              onSubmitEditing={add}
              submitBehavior="submit"
              returnKeyType="done"
              style={[styles.input, { color: t.text, borderColor: t.border, backgroundColor: t.card }]}
            />
            <Chips label="Status" value={status} options={STATUS_OPTIONS} onChange={setStatus} />
            <Chips
              label="Project"
              value={project}
              options={[
                { value: '', label: 'All projects' },
                ...projects.map((p) => ({ value: p.id, label: p.name, color: p.color })),
              ]}
              onChange={setProject}
            />
            <ErrorText message={error ? messageOf(error) : undefined} />
          </View>
        }
        ListEmptyComponent={<Text style={{ color: t.muted }}>No tasks here yet.</Text>}
        renderItem={({ item }) => (
          <TaskRow
            task={item}
            projectName={projects.find((p) => p.id === item.project_id)?.name}
            onToggle={() =>
              update.mutate({ id: item.id, patch: { status: item.status === 'done' ? 'todo' : 'done' } })
            }
            onDelete={() => remove.mutate(item.id)}
            onEdit={() => setEditing(item)}
            onStartTimer={() => start.mutate({ task_id: item.id, project_id: item.project_id })}
          />
        )}
      />
      {editing ? <TaskEditor task={editing} onClose={() => setEditing(undefined)} /> : null}
    </View>
  );
}

function TaskRow({
  task,
  projectName,
  onToggle,
  onDelete,
  onEdit,
  onStartTimer,
}: {
  task: Task;
  projectName: string | undefined;
  onToggle: () => void;
  onDelete: () => void;
  onEdit: () => void;
  onStartTimer: () => void;
}) {
  const t = useTheme();
  const done = task.status === 'done';
  // A row still being created has a stand-in id: its actions wait until the real row replaces it.
  const arriving = isOptimisticId(task.id);
  return (
    <View
      role="listitem"
      style={[styles.row, { borderBottomWidth: 1, borderColor: t.border, paddingVertical: 4 }]}
    >
      <Pressable
        role="checkbox"
        aria-checked={done}
        aria-label="Done"
        disabled={arriving}
        aria-disabled={arriving}
        onPress={onToggle}
        style={{ width: TOUCH, height: TOUCH, alignItems: 'center', justifyContent: 'center' }}
      >
        <View
          style={{
            width: 24,
            height: 24,
            borderRadius: 6,
            borderWidth: 2,
            borderColor: done ? t.ok : t.muted,
            backgroundColor: done ? t.ok : 'transparent',
          }}
        />
      </Pressable>
      <Pressable
        disabled={arriving}
        aria-disabled={arriving}
        onPress={onEdit}
        onLongPress={() => confirmDelete(task.title, onDelete)}
        role="button"
        aria-label={`Edit ${task.title}`}
        style={{ flex: 1, minHeight: TOUCH, justifyContent: 'center' }}
      >
        <Text style={{ color: t.text, fontSize: 16, textDecorationLine: done ? 'line-through' : 'none' }}>
          {task.title}
        </Text>
        <Text style={{ color: t.muted, fontSize: 12 }}>
          {[
            STATUS_LABELS[task.status],
            projectName,
            task.due_at ? `due ${new Date(task.due_at).toLocaleDateString()}` : undefined,
          ]
            .filter(Boolean)
            .join(' · ')}
          {task.synced ? '' : ' · '}
          {task.synced ? null : <Text style={{ color: t.warn }}>Not synced</Text>}
        </Text>
      </Pressable>
      <Button
        label="▶"
        accessibilityLabel="Start timer"
        kind="plain"
        onPress={onStartTimer}
        disabled={arriving}
      />
      <Button label="Delete" kind="danger" onPress={onDelete} disabled={arriving} />
    </View>
  );
}
