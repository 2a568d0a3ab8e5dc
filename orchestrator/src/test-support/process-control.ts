export { processesOfUid } from '../drivers/local/process-control.js';
