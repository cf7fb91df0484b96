import { createApp } from 'vue';
import { createWebHistory } from 'vue-router';
import App from './App.vue';
import { createHttpClient } from './api/http';
import { createConsole } from './app';
import './styles.css';

const eventlens = createConsole({
  http: ({ onUnauthorized }) => createHttpClient({ onUnauthorized }),
  history: createWebHistory(),
});
const app = createApp(App).use(eventlens);
void eventlens.router.isReady().then(() => app.mount('#app'));
