/**
 * The driver contract inside the built app's webview (contract.html): the end-to-end test navigates here through
 * WebDriver and reads `window.__contractResults` (every case's result as data) once it is set.
 */
import { driverContract, runContract } from '@selftracker/client/contract';
import { abandonTauriDriver, openTauriDriver, type TauriDriver } from '@selftracker/client/tauri';
import { invoke } from '@tauri-apps/api/core';

const { data_dir } = await invoke<{ data_dir: string }>('desktop_config');
const dir = `${data_dir}/contract-${Date.now()}`;
const results = await runContract(
  {
    name: 'tauri (plugin-sql pool, Rust leases)',
    open: (file) => openTauriDriver({ url: `sqlite:${dir}-${file}` }),
    vanish: (driver) => abandonTauriDriver((driver as TauriDriver).handle),
  },
  driverContract,
);
Object.assign(window, { __contractResults: results });
document.getElementById('results')!.textContent = JSON.stringify(results, null, 2);
