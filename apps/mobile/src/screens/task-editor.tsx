import type { TaskStatus } from '@selftracker/core';
import { type Task, useDeleteTask, useProjects, useUpdateTask } from '@selftracker/react';
import { fromDateInput, messageOf, STATUS_LABELS, toDateInput } from '@selftracker/ui/shared';
import { useState } from 'react';
import { Modal, Platform, ScrollView, View } from 'react-native';
import { SafeAreaView } from 'react-native-safe-area-context';
import { useTheme } from '../theme.ts';
import { Button, Chips, ErrorText, Field, styles } from '../ui.tsx';

const STATUSES = (Object.entries(STATUS_LABELS) as [TaskStatus, string][]).map(([value, label]) => ({
  value,
  label,
}));

/** Edits a task's title, description, status, due date (YYYY-MM-DD) and project. */
export function TaskEditor({ task, onClose }: { task: Task; onClose: () => void }) {
  const t = useTheme();
  const projects = useProjects({ archived: false }).data ?? [];
  const update = useUpdateTask();
  const remove = useDeleteTask();
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description ?? '');
  const [status, setStatus] = useState<TaskStatus>(task.status);
  const [due, setDue] = useState(toDateInput(task.due_at));
  const [project, setProject] = useState(task.project_id ?? '');
  const [error, setError] = useState<string | undefined>();

  const save = () => {
    const dueAt = due.trim() ? fromDateInput(due.trim()) : null;
    if (due.trim() && dueAt === null) return setError('Due date: use YYYY-MM-DD');
    if (!title.trim()) return setError('A task needs a title');
    update.mutate(
      {
        id: task.id,
        patch: {
          title: title.trim(),
          description: description.trim() || null,
          status,
          due_at: dueAt,
          project_id: project || null,
        },
      },
      { onSuccess: onClose, onError: (e) => setError(messageOf(e)) },
    );
  };
  return (
    <Modal
      animationType={Platform.OS === 'web' ? 'none' : 'slide'}
      onRequestClose={onClose}
      aria-label="Edit task"
    >
      <SafeAreaView style={{ flex: 1, backgroundColor: t.bg }}>
        <ScrollView contentContainerStyle={styles.screen} keyboardShouldPersistTaps="handled">
          <Field label="Title" value={title} onChangeText={setTitle} />
          <Field label="Description" value={description} onChangeText={setDescription} multiline />
          <Chips label="Status" value={status} options={STATUSES} onChange={setStatus} />
          <Field
            label="Due date"
            value={due}
            onChangeText={setDue}
            placeholder="YYYY-MM-DD"
            inputMode="numeric"
          />
          <Chips
            label="Project"
            value={project}
            options={[
              { value: '', label: 'No project' },
              ...projects.map((p) => ({ value: p.id, label: p.name, color: p.color })),
            ]}
            onChange={setProject}
          />
          <ErrorText message={error} />
          <View style={styles.row}>
            <Button label="Save" onPress={save} />
            <Button label="Cancel" kind="plain" onPress={onClose} />
            <View style={{ flex: 1 }} />
            <Button
              label="Delete task"
              kind="danger"
              onPress={() => {
                remove.mutate(task.id);
                onClose();
              }}
            />
          </View>
        </ScrollView>
      </SafeAreaView>
    </Modal>
  );
}
